package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/store"
)

// CreateList validates and stores a new list. An account has at most
// MaxLists; two concurrent creates may both pass the count, as with
// templates.
func (s *Service) CreateList(ctx context.Context, accountID string, l *List) error {
	if err := checkList(l); err != nil {
		return err
	}
	n, err := s.store.CountObjects(ctx, accountID, listKind, "")
	if err != nil {
		return err
	}
	if n >= MaxLists {
		return tooManyLists()
	}
	now := s.now()
	l.CreatedTimestamp, l.LastUpdatedTimestamp = now, now
	body, err := json.Marshal(l)
	if err != nil {
		return err
	}
	err = s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: listKind, Name: l.Name,
		Body: body, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		return tooManyLists()
	}
	return err
}

// GetList returns a list, or SES's NotFound.
func (s *Service) GetList(ctx context.Context, accountID, name string) (*List, error) {
	if !validName(name) {
		if err := checkListName(name); err != nil {
			return nil, err
		}
	}
	o, err := s.store.GetObject(ctx, accountID, listKind, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, listNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return decodeList(o)
}

func decodeList(o *store.Object) (*List, error) {
	var l List
	if err := json.Unmarshal(o.Body, &l); err != nil {
		return nil, fmt.Errorf("contact list %s: %w", o.Name, err)
	}
	return &l, nil
}

// Lists returns up to limit lists whose names sort after after, and
// whether more follow.
func (s *Service) Lists(ctx context.Context, accountID, after string, limit int) ([]*List, bool, error) {
	objs, err := s.store.ListObjects(ctx, accountID, listKind, "", after, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(objs) > limit
	if more {
		objs = objs[:limit]
	}
	out := make([]*List, 0, len(objs))
	for _, o := range objs {
		l, err := decodeList(o)
		if err != nil {
			return nil, false, err
		}
		out = append(out, l)
	}
	return out, more, nil
}

// UpdateList replaces a list's topics and description: "This operation
// does a complete replacement" (UpdateContactList, API reference). The
// contacts' preferences for topics that are gone are kept but no longer
// count (List.Explicit).
func (s *Service) UpdateList(ctx context.Context, accountID string, upd *List) error {
	l, err := s.GetList(ctx, accountID, upd.Name)
	if err != nil {
		return err
	}
	upd.Tags, upd.CreatedTimestamp = l.Tags, l.CreatedTimestamp
	if err := checkList(upd); err != nil {
		return err
	}
	upd.LastUpdatedTimestamp = s.now()
	return s.putList(ctx, accountID, upd)
}

func (s *Service) putList(ctx context.Context, accountID string, l *List) error {
	body, err := json.Marshal(l)
	if err != nil {
		return err
	}
	err = s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: listKind, Name: l.Name,
		Body: body, UpdatedAt: l.LastUpdatedTimestamp})
	if errors.Is(err, store.ErrNotFound) {
		return listNotFound(l.Name)
	}
	return err
}

// DeleteList removes a list "and all of the contacts on that list"
// (DeleteContactList, API reference).
func (s *Service) DeleteList(ctx context.Context, accountID, name string) error {
	if _, err := s.GetList(ctx, accountID, name); err != nil {
		return err
	}
	// Contacts first: a failure between the two leaves the list, which
	// can be deleted again, rather than contacts no list names.
	if _, err := s.store.DeleteObjects(ctx, accountID, contactKind, name+"/"); err != nil {
		return err
	}
	err := s.store.DeleteObject(ctx, accountID, listKind, name)
	if errors.Is(err, store.ErrNotFound) {
		return listNotFound(name)
	}
	return err
}
