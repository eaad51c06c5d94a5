package account

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Bootstrap makes the operator's own account on first start: when the
// store has no account at all, it creates account "default" (production,
// no quotas) and an access key, writes the key to DATA/credentials in the
// AWS shared-credentials format, and returns it so it can be printed. On
// later starts it returns nil.
//
// HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID and HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY,
// passed as id and secretKey, fix the key's values.
func (s *Service) Bootstrap(ctx context.Context, dataDir, region, id, secretKey string) (*Credentials, error) {
	all, err := s.store.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if len(all) > 0 {
		return nil, nil
	}
	a, err := s.Create(ctx, DefaultName, true)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	// The operator's own account: no quotas unless configured.
	a.Max24HourSend, a.MaxSendRate = -1, -1
	if err := s.Update(ctx, a); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	c, err := s.CreateKey(ctx, a.ID, id, secretKey)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if err := WriteCredentialsFile(filepath.Join(dataDir, "credentials"), c, region); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteCredentialsFile writes c as the [default] profile of an AWS
// shared-credentials file, readable only by its owner.
func WriteCredentialsFile(path string, c *Credentials, region string) error {
	body := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n",
		c.AccessKeyID, c.SecretAccessKey, region)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ExportLines are the shell lines an SDK user pastes to use c against the
// endpoint.
func ExportLines(c *Credentials, endpoint, region string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "export AWS_ACCESS_KEY_ID=%s\n", c.AccessKeyID)
	fmt.Fprintf(&b, "export AWS_SECRET_ACCESS_KEY=%s\n", c.SecretAccessKey)
	fmt.Fprintf(&b, "export AWS_REGION=%s\n", region)
	fmt.Fprintf(&b, "export AWS_ENDPOINT_URL_SESV2=%s\n", endpoint)
	fmt.Fprintf(&b, "export AWS_ENDPOINT_URL_SES=%s\n", endpoint)
	return b.String()
}
