package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes, from the PostgreSQL manual's appendix A.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool { return pgCode(err) == uniqueViolation }

// isForeignKey reports a FOREIGN KEY violation: the row refers to an
// account (or message) that does not exist.
func isForeignKey(err error) bool { return pgCode(err) == foreignKeyViolation }
