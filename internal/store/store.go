// Package store defines hikyaku's persistent state and the contract every
// backend must keep. Two backends implement it: sqlite (the embedded
// default, one file in the data dir) and postgres (for several nodes). The
// storetest package is the conformance suite both must pass.
//
// The store keeps bytes and facts; it does not encrypt, validate or decide.
// Secrets arrive already sealed (see package secret), addresses already
// normalised (see package address).
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns (possibly wrapped) so callers can test with
// errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	// ErrInvalidCursor means a page cursor (SuppressedFilter.Cursor) is not
	// one the store handed out, so the API can answer it as a bad request
	// rather than an internal error.
	ErrInvalidCursor = errors.New("store: invalid page cursor")
)

// Store is the whole persistent state. All methods are safe for concurrent
// use, from several goroutines and (on both backends) several processes:
// admin commands open the same store while the server runs.
type Store interface {
	AccountStore
	IdentityStore
	MessageStore
	QueueStore
	SuppressionStore
	ObjectStore
	EventStore
	// Close releases the store; pending InsertMessage calls finish first.
	Close() error
}

// AccountStore holds accounts and their access keys.
type AccountStore interface {
	// CreateAccount inserts a; ErrExists if the name or ID is taken.
	CreateAccount(ctx context.Context, a *Account) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	GetAccountByName(ctx context.Context, name string) (*Account, error)
	// ListAccounts returns all accounts ordered by name.
	ListAccounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount replaces the mutable fields of the account with a.ID.
	UpdateAccount(ctx context.Context, a *Account) error

	// CreateAccessKey inserts k; ErrExists if k.ID is taken.
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	GetAccessKey(ctx context.Context, id string) (*AccessKey, error)
	// ListAccessKeys returns the account's keys ordered by creation time.
	ListAccessKeys(ctx context.Context, accountID string) ([]*AccessKey, error)
}

// IdentityStore holds verified (or to-be-verified) sender identities.
type IdentityStore interface {
	// CreateIdentity inserts id; ErrExists if (AccountID, Name) is taken.
	CreateIdentity(ctx context.Context, id *Identity) error
	// GetIdentity finds an identity by account and exact name.
	GetIdentity(ctx context.Context, accountID, name string) (*Identity, error)
	// GetIdentityByToken finds the identity whose VerificationToken is token
	// (the verification link of an address identity).
	GetIdentityByToken(ctx context.Context, token string) (*Identity, error)
	// ListIdentities pages through an account's identities ordered by name:
	// up to limit entries with Name > after. after == "" starts at the top.
	ListIdentities(ctx context.Context, accountID, after string, limit int) ([]*Identity, error)
	// ListIdentitiesToCheck returns identities of any account whose
	// verification, DKIM or MAIL FROM status is PENDING or
	// TEMPORARY_FAILURE and whose CheckedAt is before before, oldest
	// first, up to limit.
	ListIdentitiesToCheck(ctx context.Context, before time.Time, limit int) ([]*Identity, error)
	// UpdateIdentity replaces the mutable fields of (id.AccountID, id.Name).
	UpdateIdentity(ctx context.Context, id *Identity) error
	// DeleteIdentity removes it; ErrNotFound if absent.
	DeleteIdentity(ctx context.Context, accountID, name string) error
}

// MessageStore holds accepted messages, their recipients and the
// per-account sending statistics.
type MessageStore interface {
	// InsertMessage durably commits m, its body and its recipients, and adds
	// m.CountedRecipients() delivery attempts to the account's statistics
	// bucket of m.CreatedAt. It returns only once the commit is synced to
	// disk. Concurrent calls are grouped into shared transactions (group
	// commit) so that durability does not cap throughput; if the shared
	// transaction fails, every call in it gets the error and none of its
	// messages is stored.
	InsertMessage(ctx context.Context, m *Message) error
	// GetMessage returns the message with its recipients (ordered by
	// Index) but without Body.
	GetMessage(ctx context.Context, id string) (*Message, error)
	// GetMessageBody returns the stored MIME bytes.
	GetMessageBody(ctx context.Context, id string) ([]byte, error)
	// UpdateRecipient replaces the state fields (Status, Attempts,
	// NextAttemptAt, UpdatedAt, Outcome) of recipient (r.MessageID, r.Index).
	UpdateRecipient(ctx context.Context, r *Recipient) error
	// AddStats adds delta's counters to the account's bucket containing t
	// (buckets are 15 minutes, aligned to the epoch, as GetSendStatistics
	// reports them).
	AddStats(ctx context.Context, accountID string, t time.Time, delta StatBucket) error
	// FindRecipients returns the account's recipients whose address is
	// addr (compared lower-cased) in messages accepted at or after since,
	// newest message first, up to limit (no limit when <= 0).
	FindRecipients(ctx context.Context, accountID, addr string, since time.Time, limit int) ([]RecipientKey, error)
	// Stats returns the account's non-empty buckets starting at or after
	// since, oldest first.
	Stats(ctx context.Context, accountID string, since time.Time) ([]StatBucket, error)
}

// QueueStore is the delivery queue: recipients in status queued or
// deferred wait for an attempt. Nodes take work through leases, so several
// nodes can share one PostgreSQL queue and a node that dies loses nothing:
// its leases expire and others take the work.
type QueueStore interface {
	// ClaimDue leases up to limit recipients that are queued or deferred,
	// whose NextAttemptAt is at or before now, and whose lease is free or
	// expired (LeaseUntil <= now). Each claimed recipient gets LeaseOwner =
	// owner and LeaseUntil = now+lease, and its NextAttemptAt is moved to
	// now+lease in the same statement, so that a crash mid-delivery cannot
	// cause a retry storm (the work comes back only when the lease ends).
	// First attempts (Attempts == 0) and retries are claimed in separate
	// halves of limit, oldest NextAttemptAt first within each, so new mail
	// is never starved by a backlog of retries (a half the other does not
	// use is given to it). Claims are ordered by NextAttemptAt. Two
	// concurrent callers (even in different processes) never claim the
	// same recipient while its lease holds.
	ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*Claim, error)
	// FinishAttempt records the result of an attempt on a claimed
	// recipient: it replaces Status, Attempts, NextAttemptAt, UpdatedAt and
	// Outcome with r's, clears the lease, and appends a to the
	// recipient's attempt log, all in one transaction; but only if the
	// recipient is still leased by owner. Otherwise it changes nothing and
	// returns ErrLeaseLost. a may be nil (no attempt was made). evs, the
	// events the attempt produced, are appended to the event log in the
	// same transaction (and not at all if the lease was lost).
	FinishAttempt(ctx context.Context, owner string, r *Recipient, a *Attempt, evs ...*Event) error
	// ExtendLease pushes the lease of claimed recipients held by owner to
	// until (and NextAttemptAt with it); recipients no longer held by owner
	// are skipped. It returns how many were extended.
	ExtendLease(ctx context.Context, owner string, keys []RecipientKey, until time.Time) (int, error)
	// Attempts returns a recipient's attempt log, oldest first.
	Attempts(ctx context.Context, messageID string, index int) ([]Attempt, error)
	// QueueCounts returns how many recipients are queued and deferred.
	QueueCounts(ctx context.Context) (queued, deferred int64, err error)
	// RetryNow makes waiting recipients (queued or deferred: a site that
	// was full gives queued ones back for later, see package queue) due at
	// now, as Postfix's `postqueue -f` does: those of domain (compared lower-cased), or all
	// when domain is empty, whose NextAttemptAt is after now and that no
	// lease holds (LeaseUntil is unset or at or before now: a node is
	// trying the others). Recipients already due keep their place in the
	// queue, and Attempts is kept, so the backoff after the next failure is
	// what it would have been. It returns how many recipients it moved. It
	// may move them in several transactions, so that a big backlog does
	// not hold up intake; an error can leave some moved.
	RetryNow(ctx context.Context, domain string, now time.Time) (int64, error)
}

// ErrLeaseLost is returned by FinishAttempt when another node took over
// the recipient (its lease expired).
var ErrLeaseLost = errors.New("store: lease lost")

// RecipientKey names one recipient.
type RecipientKey struct {
	MessageID string
	Index     int
}

// Claim is a leased recipient and what delivery needs of its message
// (the body is read separately, once per message).
type Claim struct {
	Recipient Recipient
	// From the message:
	AccountID  string
	Source     string
	ReturnPath string
	// MailFromDomain is the message's return-path domain (see
	// Message.MailFromDomain); empty for the default.
	MailFromDomain   string
	ConfigurationSet string
	Origin           string
	MessageCreatedAt time.Time
	Size             int
	LeaseUntil       time.Time
	// Body is the message body when the claim was handed over in memory
	// by the node that accepted it (see Message.LeaseOwner); nil when it
	// came from ClaimDue, and the body is read with GetMessageBody.
	// Shared by the message's recipients: read only.
	Body []byte
}

// Attempt is one delivery attempt on one recipient, for the trace.
type Attempt struct {
	At time.Time
	// Duration is how long the attempt took.
	Duration time.Duration
	// Host is the server tried (MX host or relay), empty if none was
	// reached.
	Host string
	// Status is the recipient status the attempt led to
	// (delivered, deferred, bounced).
	Status string
	// Reply is the server's reply or the local error.
	Reply string
}

// SuppressionStore is the account-level suppression list. Addresses are
// stored and matched lower-cased.
type SuppressionStore interface {
	// PutSuppressed inserts or replaces the entry for (AccountID, Address).
	PutSuppressed(ctx context.Context, s *Suppressed) error
	// GetSuppressed returns the entries among addresses that are on the
	// account's list, keyed by lower-cased address. Missing ones are absent.
	GetSuppressed(ctx context.Context, accountID string, addresses []string) (map[string]*Suppressed, error)
	// ListSuppressed pages through entries matching f, newest LastUpdate
	// first; Next is the cursor for the following page ("" at the end).
	ListSuppressed(ctx context.Context, accountID string, f SuppressedFilter) (page []*Suppressed, next string, err error)
	// DeleteSuppressed removes the entry; ErrNotFound if absent.
	DeleteSuppressed(ctx context.Context, accountID, address string) error
}

// Account is one tenant: its own keys, identities, quotas and reputation.
type Account struct {
	ID   string // 12 digits, like an AWS account ID
	Name string // unique, chosen by the operator
	// Production is false while the account is in the sandbox.
	Production     bool
	SendingEnabled bool
	// EnforcementStatus is HEALTHY, PROBATION or SHUTDOWN.
	EnforcementStatus string
	// Max24HourSend and MaxSendRate are the quotas; -1 means unlimited.
	Max24HourSend float64
	MaxSendRate   float64
	// SuppressedReasons lists the reasons (BOUNCE, COMPLAINT) for which the
	// account suppression list adds addresses automatically.
	SuppressedReasons []string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// AccessKey is an AWS-style credential. The secret is sealed with the
// data dir's master key before it reaches the store.
type AccessKey struct {
	ID           string // the access key ID (AKIA...)
	AccountID    string
	SealedSecret []byte
	Active       bool
	CreatedAt    time.Time
}

// Identity types, as SES names them.
const (
	IdentityEmail  = "EMAIL_ADDRESS"
	IdentityDomain = "DOMAIN"
)

// Verification and DKIM statuses (SES's VerificationStatus / DkimStatus).
const (
	StatusPending          = "PENDING"
	StatusSuccess          = "SUCCESS"
	StatusFailed           = "FAILED"
	StatusTemporaryFailure = "TEMPORARY_FAILURE"
	StatusNotStarted       = "NOT_STARTED"
)

// Identity is an email address or a domain an account may send from.
type Identity struct {
	AccountID string
	// Name is the address (as given; SES treats addresses case-sensitively)
	// or the domain (lower-case, IDNs in A-label form).
	Name string
	Type string // IdentityEmail or IdentityDomain
	// VerificationStatus is one of the Status* constants.
	VerificationStatus string
	// VerificationToken is a random secret: the link token mailed to an
	// address identity, and the _amazonses TXT value of SES v1
	// VerifyDomainIdentity for a domain.
	VerificationToken string
	// DKIM (domains only).
	DkimSigningEnabled bool
	DkimStatus         string
	DkimKeys           []DkimKey
	// ConfigurationSet is the default configuration set for mail from it.
	ConfigurationSet string
	Tags             []Tag
	// Custom MAIL FROM (SES's MailFromAttributes): MailFromDomain is the
	// subdomain used as the return-path domain of mail from the identity,
	// empty for none. MailFromStatus is one of the Status* constants but
	// NOT_STARTED (empty when there is no domain), MailFromSince when the
	// domain was set: the 72 hours of checks before FAILED count from it.
	// BehaviorOnMxFailure (one of the Behavior* constants) says what
	// mail from the identity does while the status is not SUCCESS; SES
	// keeps it even without a domain.
	MailFromDomain      string
	MailFromStatus      string
	MailFromSince       time.Time
	BehaviorOnMxFailure string
	CreatedAt           time.Time
	// CheckedAt is when DNS was last consulted for it.
	CheckedAt  time.Time
	VerifiedAt time.Time
}

// What mail does while an identity's custom MAIL FROM domain is not
// verified (SES's BehaviorOnMxFailure).
const (
	// BehaviorUseDefault sends with the default return-path domain.
	BehaviorUseDefault = "USE_DEFAULT_VALUE"
	// BehaviorReject refuses the message (MailFromDomainNotVerified).
	BehaviorReject = "REJECT_MESSAGE"
)

// DkimKey is one selector and its key pair. A domain has one active key;
// rotation adds a new one and switches once its DNS record is seen.
type DkimKey struct {
	Selector string
	// SealedPrivateKey is the PKCS#8 DER private key, sealed.
	SealedPrivateKey []byte
	// PublicKey is the base64 DER SubjectPublicKeyInfo, as published in p=.
	PublicKey string
	// KeyLength is SES's DkimSigningKeyLength, e.g. RSA_2048_BIT.
	KeyLength string
	Active    bool
	// External marks a key the operator brought (SES's BYODKIM).
	External  bool
	CreatedAt time.Time
}

// Tag is a name/value pair, as SES's Tag and MessageTag.
type Tag struct {
	Name  string
	Value string
}

// Message is one accepted message. Each message has one body and one or
// more envelope recipients, each with its own fate.
type Message struct {
	ID        string // SES-style message ID, unique
	AccountID string
	// Source is the envelope sender identity (the address the sending
	// policy checked), FromHeader the From header as sent.
	Source     string
	FromHeader string
	Subject    string
	// ReturnPath is where feedback goes (FeedbackForwardingEmailAddress /
	// ReturnPath); empty for the default.
	ReturnPath string
	// MailFromDomain is the domain of the message's VERP return paths
	// (MAIL FROM), chosen at intake from the sender identity's verified
	// custom MAIL FROM domain; empty for the node's default.
	MailFromDomain   string
	ConfigurationSet string
	Tags             []Tag
	// Origin says how the message came in: "api-v2", "api-v1", "smtp",
	// "system" (mail hikyaku itself sends, such as verification links).
	Origin    string
	CreatedAt time.Time
	Size      int
	// Body is the complete RFC 5322 message as it will be sent.
	Body       []byte
	Recipients []Recipient
	// Events are appended to the event log in the message's own
	// transaction (its Send event, and a Bounce for each recipient that
	// was suppressed at intake). Their IDs are not set.
	Events []*Event
	// LeaseOwner, when set, inserts the message's queued recipients
	// already claimed by that owner until LeaseUntil, as if ClaimDue had
	// leased them (set their NextAttemptAt to LeaseUntil too, as a claim
	// does). The node that accepted the message hands it to its own
	// delivery queue in memory, with its body, and saves a claim and a
	// read; if it dies first, the lease expires and any node takes the
	// recipients. Empty inserts them unclaimed.
	LeaseOwner string
	LeaseUntil time.Time
}

// CountedRecipients is how many of the message's recipients count as
// delivery attempts in the sending statistics and toward the daily quota:
// all but those answered by the mailbox simulator or never sent (status
// failed), and none of the mail hikyaku sends itself (Origin "system"),
// which the account did not send.
func (m *Message) CountedRecipients() int {
	if m.Origin == "system" {
		return 0
	}
	n := 0
	for _, r := range m.Recipients {
		if !r.Outcome.Simulated && r.Status != RcptFailed {
			n++
		}
	}
	return n
}

// Recipient statuses, the vocabulary of `hikyaku trace`.
const (
	RcptQueued     = "queued"
	RcptDelivered  = "delivered"
	RcptDeferred   = "deferred"
	RcptBounced    = "bounced"
	RcptComplained = "complained"
	RcptSuppressed = "suppressed"
	// RcptFailed is a recipient of a message that was accepted but never
	// sent because it could not be made: its template did not render
	// (SES's Rendering Failure). Outcome.Diagnostic says why. It is final,
	// and counts as no delivery attempt.
	RcptFailed = "failed"
	// RcptUnsubscribed is a recipient of a send with list management
	// (SES's ListManagementOptions) who unsubscribed from its topic or its
	// contact list, and so was not sent to. SES bounces such mail; its
	// Outcome is the bounce, which the event log has too. Final, and
	// counted as a delivery attempt like a suppressed recipient.
	RcptUnsubscribed = "unsubscribed"
)

// Recipient is one envelope recipient of a message and its state.
type Recipient struct {
	MessageID string
	Index     int    // position within the message, from 0
	Address   string // envelope address, domain in A-label form
	// Domain is the lower-case A-label domain of Address.
	Domain        string
	Status        string // one of the Rcpt* constants
	Attempts      int
	NextAttemptAt time.Time
	UpdatedAt     time.Time
	Outcome       Outcome
}

// Outcome is what is known about a recipient's fate beyond its status.
type Outcome struct {
	// BounceType and BounceSubType are SES's (Permanent/General, ...).
	BounceType    string `json:"bounceType,omitempty"`
	BounceSubType string `json:"bounceSubType,omitempty"`
	// Status is the enhanced status code (5.1.1), SMTPReply the remote
	// server's reply line, Diagnostic the human-readable detail.
	Status     string `json:"status,omitempty"`
	SMTPReply  string `json:"smtpReply,omitempty"`
	Diagnostic string `json:"diagnostic,omitempty"`
	RemoteMTA  string `json:"remoteMta,omitempty"`
	// ComplaintFeedbackType is the ARF feedback type (abuse, ...).
	ComplaintFeedbackType string `json:"complaintFeedbackType,omitempty"`
	// Simulated marks outcomes produced by the mailbox simulator.
	Simulated bool `json:"simulated,omitempty"`
	// DelayType is SES's DeliveryDelay delayType for a deferred
	// recipient (MailboxFull, SendingDeferral, ...).
	DelayType string `json:"delayType,omitempty"`
	// ProcessingTimeMillis is, for a delivery, the time from acceptance
	// to the remote server's acceptance, as SES's Delivery event has it.
	ProcessingTimeMillis int64 `json:"processingTimeMillis,omitempty"`
}

// StatBucket is one 15-minute window of an account's sending statistics,
// as SES's SendDataPoint.
type StatBucket struct {
	Start            time.Time
	DeliveryAttempts int64
	Bounces          int64
	Complaints       int64
	Rejects          int64
}

// StatsBucketSize is the width of a StatBucket.
const StatsBucketSize = 15 * time.Minute

// Suppression reasons, as SES's SuppressionListReason.
const (
	ReasonBounce    = "BOUNCE"
	ReasonComplaint = "COMPLAINT"
)

// Suppressed is one entry of an account's suppression list.
type Suppressed struct {
	AccountID  string
	Address    string // lower-cased
	Reason     string // ReasonBounce or ReasonComplaint
	MessageID  string // the message whose feedback caused it, if any
	FeedbackID string
	LastUpdate time.Time
}

// SuppressedFilter selects entries of ListSuppressed.
type SuppressedFilter struct {
	Reasons []string  // empty: all
	Start   time.Time // zero: unbounded; LastUpdate >= Start
	End     time.Time // zero: unbounded; LastUpdate < End
	// PageSize defaults to 100 when zero.
	PageSize int
	// Cursor is a Next value from a previous call.
	Cursor string
}
