// Package secret keeps hikyaku's secrets: the master key, the sealing of
// secrets at rest with it (access keys' secrets, DKIM private keys), and the
// making of credentials in the shapes AWS uses, so that SDKs and SMTP
// clients configured for SES accept them unchanged.
//
// The master key is 32 random bytes, given in the environment variable
// HIKYAKU_MASTER_KEY (base64) or kept in DATA/master.key, which is created
// on first use, readable by its owner only. Losing it loses every sealed
// secret: back it up apart from the database.
package secret
