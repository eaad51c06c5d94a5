package sesapi

import (
	"encoding/base64"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Paging tokens are opaque to clients: the last name of the previous page,
// base64url-encoded.
func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(last))
}

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", &fault.Error{Code: "BadRequestException", V1Code: "InvalidParameterValue", HTTPStatus: 400,
			Message: "The NextToken is invalid."}
	}
	return string(b), nil
}
