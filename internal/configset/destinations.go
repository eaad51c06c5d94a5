package configset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// MaxDestinations is SES's limit of event destinations per set.
const MaxDestinations = 10

func destinationNotFound(set, name string) *fault.Error {
	f := fault.NotFound("Event destination <%s> does not exist in configuration set <%s>.", name, set)
	f.V1Code = "EventDestinationDoesNotExist"
	return f
}

func (d *Destination) validate() error {
	if err := ValidName("event destination", d.Name); err != nil {
		return err
	}
	if len(d.MatchingEventTypes) == 0 {
		return fault.BadRequest("1 validation error detected: Value null at 'eventDestination.matchingEventTypes' failed to satisfy constraint: Member must not be null")
	}
	for _, t := range d.MatchingEventTypes {
		if !isEventType(t) {
			return fault.BadRequest("1 validation error detected: Value '[%s]' at 'eventDestination.matchingEventTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SEND, REJECT, BOUNCE, COMPLAINT, DELIVERY, OPEN, CLICK, RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION]]", t)
		}
	}
	n := 0
	if d.SNSTopicARN != "" {
		n++
	}
	if d.EventBusARN != "" {
		n++
	}
	n += len(d.Other)
	if n != 1 {
		return fault.BadRequest("An event destination must have exactly one destination type (SnsDestination, EventBridgeDestination, ...); got %d.", n)
	}
	return nil
}

func isEventType(t string) bool {
	for _, e := range EventTypes {
		if e == t {
			return true
		}
	}
	return false
}

// Destinations lists a set's event destinations by name; NotFound if the
// set does not exist.
func (s *Service) Destinations(ctx context.Context, accountID, set string) ([]*Destination, error) {
	if _, err := s.store.GetObject(ctx, accountID, kindSet, set); errors.Is(err, store.ErrNotFound) {
		return nil, NotFound(set)
	} else if err != nil {
		return nil, err
	}
	objs, err := s.store.ListObjects(ctx, accountID, kindDestination, set+"/", "", 0)
	if err != nil {
		return nil, err
	}
	list := make([]*Destination, 0, len(objs))
	for _, o := range objs {
		var d Destination
		if err := json.Unmarshal(o.Body, &d); err != nil {
			return nil, fmt.Errorf("event destination %s: %w", o.Name, err)
		}
		list = append(list, &d)
	}
	return list, nil
}

// CreateDestination adds d to a set.
func (s *Service) CreateDestination(ctx context.Context, accountID, set string, d *Destination) error {
	if err := d.validate(); err != nil {
		return err
	}
	existing, err := s.Destinations(ctx, accountID, set)
	if err != nil {
		return err
	}
	if len(existing) >= MaxDestinations {
		return &fault.Error{Code: "LimitExceededException", V1Code: "LimitExceeded", HTTPStatus: 400, SMTPCode: 554, Enhanced: "5.3.4",
			Message: fmt.Sprintf("Maximum number of event destinations (%d) for configuration set <%s> reached.", MaxDestinations, set)}
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	err = s.store.CreateObject(ctx, &store.Object{AccountID: accountID, Kind: kindDestination, Name: set + "/" + d.Name,
		Body: body, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, store.ErrExists) {
		f := fault.AlreadyExists("Event destination <%s> already exists in configuration set <%s>.", d.Name, set)
		f.V1Code = "EventDestinationAlreadyExists"
		return f
	}
	s.forget(accountID, set)
	return err
}

// UpdateDestination replaces a destination's definition.
func (s *Service) UpdateDestination(ctx context.Context, accountID, set string, d *Destination) error {
	if err := d.validate(); err != nil {
		return err
	}
	if _, err := s.Get(ctx, accountID, set); err != nil {
		return err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	err = s.store.UpdateObject(ctx, &store.Object{AccountID: accountID, Kind: kindDestination, Name: set + "/" + d.Name,
		Body: body, UpdatedAt: s.clock.Now()})
	if errors.Is(err, store.ErrNotFound) {
		return destinationNotFound(set, d.Name)
	}
	s.forget(accountID, set)
	return err
}

// DeleteDestination removes one.
func (s *Service) DeleteDestination(ctx context.Context, accountID, set, name string) error {
	if _, err := s.Get(ctx, accountID, set); err != nil {
		return err
	}
	err := s.store.DeleteObject(ctx, accountID, kindDestination, set+"/"+name)
	if errors.Is(err, store.ErrNotFound) {
		return destinationNotFound(set, name)
	}
	s.forget(accountID, set)
	return err
}
