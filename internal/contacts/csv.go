package contacts

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Bulk import reads the CSV format of SES's contact import jobs
// (CreateImportJob with DataFormat CSV, Developer Guide,
// sending-email-list-management), so the same file serves both:
//
//	emailAddress,unsubscribeAll,attributesData,topicPreferences.Sports,topicPreferences.Cycling
//	jane@example.com,false,"{""Name"": ""Jane""}",OPT_IN,OPT_OUT
//	joe@example.org,true,,,
//
// The header row is required and names the columns, in any order and
// case. emailAddress (or email) is required; the others are optional:
//   - unsubscribeAll: true or false, empty for false;
//   - attributesData: a JSON object;
//   - topicPreferences.TOPIC: OPT_IN or OPT_OUT (any case) for the list's
//     topic TOPIC, empty for no preference (the topic's default);
//   - attributes.NAME: one attribute, a string, added to attributesData
//     (a convenience of hikyaku's: spreadsheets have no JSON).
//
// Each row replaces the contact with its address, or creates it, as SES's
// import action PUT does. A row that cannot be imported is reported with
// its line number and skipped; the others are imported.

// RowError is a row that was not imported.
type RowError struct {
	// Line is the row's line number in the file, from 1 (the header).
	Line int
	Err  error
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ImportResult counts what an import did so far.
type ImportResult struct {
	// Rows is how many data rows were read.
	Rows             int
	Created, Updated int
	Errors           []RowError
}

// column is what one CSV column holds.
type column struct {
	kind string // email, unsubscribeAll, attributesData, topic, attribute
	name string // the topic or attribute
}

// Import reads CSV from r into the list, calling progress (if not nil)
// after every progressEvery rows. It fails as a whole only when the list
// does not exist, the header is wrong, the CSV cannot be read or the
// store fails; a bad row is in the result's Errors.
func (s *Service) Import(ctx context.Context, accountID, list string, r io.Reader, progressEvery int, progress func(ImportResult)) (*ImportResult, error) {
	l, err := s.GetList(ctx, accountID, list)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.LazyQuotes = true // SES's own example has bare quotes in attributesData
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the file is empty: the first row must name the columns, such as emailAddress,topicPreferences.%s", firstTopic(l))
	}
	if err != nil {
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	cols, err := parseHeader(l, header)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(err, csv.ErrFieldCount) {
				// The reader cannot resynchronise after a quoting error.
				return res, fmt.Errorf("line %d: %w", pe.Line, err)
			}
			return res, err
		}
		res.Rows++
		c, err := parseRow(cols, rec)
		if err == nil {
			var created bool
			created, err = s.PutContact(ctx, accountID, l, c)
			if err == nil {
				if created {
					res.Created++
				} else {
					res.Updated++
				}
			} else if fault.As(err) == nil {
				return res, fmt.Errorf("line %d: %w", line, err)
			}
		}
		if err != nil {
			res.Errors = append(res.Errors, RowError{Line: line, Err: err})
		}
		if progress != nil && progressEvery > 0 && res.Rows%progressEvery == 0 {
			progress(*res)
		}
	}
}

func firstTopic(l *List) string {
	if len(l.Topics) > 0 {
		return l.Topics[0].Name
	}
	return "TOPIC"
}

func parseHeader(l *List, header []string) ([]column, error) {
	cols := make([]column, len(header))
	hasEmail := false
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		lower := strings.ToLower(h)
		switch {
		case lower == "emailaddress" || lower == "email":
			cols[i] = column{kind: "email"}
			hasEmail = true
		case lower == "unsubscribeall":
			cols[i] = column{kind: "unsubscribeAll"}
		case lower == "attributesdata":
			cols[i] = column{kind: "attributesData"}
		case strings.HasPrefix(lower, "topicpreferences."):
			name := h[len("topicPreferences."):]
			if l.Topic(name) == nil {
				return nil, fmt.Errorf("column %d (%s): contact list %s has no topic %q; its topics are %s", i+1, h, l.Name, name, topicNames(l))
			}
			cols[i] = column{kind: "topic", name: name}
		case strings.HasPrefix(lower, "attributes."):
			cols[i] = column{kind: "attribute", name: h[len("attributes."):]}
		default:
			return nil, fmt.Errorf("column %d (%s) is not one of emailAddress, unsubscribeAll, attributesData, topicPreferences.TOPIC, attributes.NAME", i+1, h)
		}
	}
	if !hasEmail {
		return nil, errors.New("no emailAddress column: the first row must name the columns, and one must be emailAddress")
	}
	return cols, nil
}

func topicNames(l *List) string {
	if len(l.Topics) == 0 {
		return "none"
	}
	names := make([]string, len(l.Topics))
	for i, t := range l.Topics {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func parseRow(cols []column, rec []string) (*Contact, error) {
	if len(rec) > len(cols) {
		return nil, fmt.Errorf("%d fields, but the header names %d columns", len(rec), len(cols))
	}
	c := &Contact{}
	attrs := map[string]any{}
	for i, v := range rec {
		v = strings.TrimSpace(v)
		col := cols[i]
		switch col.kind {
		case "email":
			c.EmailAddress = v
		case "unsubscribeAll":
			switch strings.ToLower(v) {
			case "", "false":
			case "true":
				c.UnsubscribeAll = true
			default:
				return nil, fmt.Errorf("unsubscribeAll %q is not true or false", v)
			}
		case "attributesData":
			if v == "" {
				continue
			}
			if err := json.Unmarshal([]byte(v), &attrs); err != nil || attrs == nil {
				return nil, fmt.Errorf("attributesData %q is not a JSON object", v)
			}
		case "topic":
			switch s := strings.ToUpper(v); s {
			case "":
			case OptIn, OptOut:
				c.TopicPreferences = append(c.TopicPreferences, Preference{TopicName: col.name, SubscriptionStatus: s})
			default:
				return nil, fmt.Errorf("topicPreferences.%s %q is not OPT_IN or OPT_OUT", col.name, v)
			}
		case "attribute":
			if v != "" {
				attrs[col.name] = v
			}
		}
	}
	if c.EmailAddress == "" {
		return nil, errors.New("no email address")
	}
	if len(attrs) > 0 {
		b, err := json.Marshal(attrs)
		if err != nil {
			return nil, err
		}
		c.AttributesData = string(b)
	}
	return c, nil
}
