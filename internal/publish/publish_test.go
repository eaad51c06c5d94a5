package publish

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/sns"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/topic"
)

func snsDestination(name, topicARN string, enabled bool, types ...string) *configset.Destination {
	return &configset.Destination{Name: name, Enabled: enabled, MatchingEventTypes: types, SNSTopicARN: topicARN}
}

func TestNotificationsAreSigned(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		version string
		raw     bool
	}{
		{"SignatureVersion 1 verifies", sns.SignatureVersion1, false},
		{"SignatureVersion 2 verifies", sns.SignatureVersion2, false},
		{"raw message delivery sends the bare event", sns.SignatureVersion1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, func(c *Config) { c.SignatureVersion = tc.version })
			ep := newEndpoint(t)
			tp := e.topic(t, "events")
			sub := e.subscribe(t, tp.ARN, ep)
			if tc.raw {
				if err := e.topics.SetRawMessageDelivery(e.ctx, acct, sub.ARN, true); err != nil {
					t.Fatal(err)
				}
			}
			e.configSet(t, "cs", snsDestination("all", tp.ARN, true, configset.EventTypes...))
			m := e.message(t, "sender@example.com", "cs")
			e.appendEvents(t, event(t, m, "Send", t0))

			list := e.deliverDue(t)
			if len(list) != 1 || list[0].State != store.DeliveryDelivered {
				t.Fatalf("deliveries %+v, want one delivered", list)
			}
			got := ep.received()
			if len(got) != 1 {
				t.Fatalf("endpoint got %d messages, want 1", len(got))
			}
			r := got[0]
			h := r.Header
			for name, want := range map[string]string{
				"x-amz-sns-message-type":     "Notification",
				"x-amz-sns-topic-arn":        tp.ARN,
				"x-amz-sns-subscription-arn": sub.ARN,
				"x-amz-sns-message-id":       messageID(list[0]),
				"User-Agent":                 sns.UserAgent,
			} {
				if got := h.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			p := payload(t, r)
			if d, typ := kind(p); d != dialectEvent || typ != "Send" {
				t.Errorf("payload is %s %q, want eventType Send", d, typ)
			}
			mail, _ := p["mail"].(map[string]any)
			if mail["messageId"] != m.ID || mail["sendingAccountId"] != acct ||
				mail["sourceArn"] != "arn:aws:ses:eu-west-1:123456789012:identity/example.com" {
				t.Errorf("mail object %v", mail)
			}
			tags, _ := mail["tags"].(map[string]any)
			if !slices.Equal(keys(tags), []string{"campaign", "ses:configuration-set", "ses:from-domain", "ses:operation"}) {
				t.Errorf("mail tags %v", tags)
			}
			if tc.raw {
				if h.Get("x-amz-sns-rawdelivery") != "true" {
					t.Error("raw delivery without x-amz-sns-rawdelivery")
				}
				return
			}

			env := r.Envelope
			if err := sns.Verify(&env, e.signer.CertificatePEM()); err != nil {
				t.Errorf("signature does not verify: %v", err)
			}
			if env.SignatureVersion != tc.version || env.Type != sns.TypeNotification || env.TopicArn != tp.ARN ||
				env.Subject != Subject || env.MessageId != h.Get("x-amz-sns-message-id") ||
				env.Timestamp != "2025-03-01T12:00:00.000Z" || env.SigningCertURL != e.p.cfg.Endpoints.SigningCert {
				t.Errorf("envelope %+v", env)
			}
			u, err := url.Parse(env.UnsubscribeURL)
			if err != nil || u.Query().Get("Action") != "Unsubscribe" || u.Query().Get("SubscriptionArn") != sub.ARN {
				t.Errorf("UnsubscribeURL %q", env.UnsubscribeURL)
			}
			// The check has teeth: a changed message no longer verifies.
			env.Message = strings.Replace(env.Message, "Send", "Bounce", 1)
			if err := sns.Verify(&env, e.signer.CertificatePEM()); err == nil {
				t.Error("a tampered envelope verified")
			}
		})
	}
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func TestEventDestinationsMatchTypes(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	eps := map[string]*endpoint{}
	arns := map[string]string{}
	for _, name := range []string{"sends", "outcomes", "disabled", "everything"} {
		eps[name] = newEndpoint(t)
		arns[name] = e.topic(t, name).ARN
		e.subscribe(t, arns[name], eps[name])
	}
	// A subscription that is not confirmed gets nothing.
	pending := newEndpoint(t)
	if _, err := e.topics.Subscribe(e.ctx, acct, arns["sends"], topic.ProtocolHTTP, pending.URL, nil); err != nil {
		t.Fatal(err)
	}
	e.configSet(t, "cs",
		snsDestination("sends", arns["sends"], true, "SEND"),
		snsDestination("outcomes", arns["outcomes"], true, "BOUNCE", "DELIVERY", "COMPLAINT"),
		snsDestination("disabled", arns["disabled"], false, configset.EventTypes...),
		// An EventBridge destination is kept but publishes nothing.
		&configset.Destination{Name: "bus", Enabled: true, MatchingEventTypes: configset.EventTypes,
			EventBusARN: "arn:aws:events:eu-west-1:123456789012:event-bus/default"},
	)
	e.configSet(t, "other", snsDestination("everything", arns["everything"], true, configset.EventTypes...))

	m := e.message(t, "sender@example.com", "cs")
	for _, typ := range []string{"Send", "Delivery", "Bounce", "Complaint", "DeliveryDelay"} {
		e.appendEvents(t, event(t, m, typ, t0))
	}
	// Mail without a set, or with a set that is gone, publishes nothing.
	e.appendEvents(t, event(t, e.message(t, "sender@example.com", ""), "Send", t0))
	e.appendEvents(t, event(t, e.message(t, "sender@example.com", "deleted"), "Send", t0))

	for _, d := range e.deliverDue(t) {
		if d.State != store.DeliveryDelivered {
			t.Errorf("delivery to %s: %s (%s)", d.Target, d.State, d.LastError)
		}
	}
	for name, want := range map[string][]string{
		"sends":      {"Send"},
		"outcomes":   {"Bounce", "Complaint", "Delivery"},
		"disabled":   nil,
		"everything": nil,
	} {
		var got []string
		for _, r := range eps[name].received() {
			d, typ := kind(payload(t, r))
			if d != dialectEvent {
				t.Errorf("%s got a %s, want events only", name, d)
			}
			got = append(got, typ)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("destination %s got %q, want %q", name, got, want)
		}
	}
	if got := pending.received(); len(got) != 0 {
		t.Errorf("an unconfirmed subscription got %d messages", len(got))
	}
}

func TestIdentityNotifications(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, source, typ string
		// want names the endpoint that gets the notification ("" for
		// none); headers whether it carries the original headers.
		want    string
		headers bool
	}{
		{"an address identity's topic comes before its domain's", "sender@example.com", "Bounce", "address", true},
		{"the address identity is found without regard to case", "Sender@Example.COM", "Bounce", "address", true},
		{"another address of the domain gets the domain's topic", "other@example.com", "Bounce", "domain", false},
		{"a display name in the source is ignored", "Other Sender <other@example.com>", "Delivery", "domain", true},
		{"a type the identity names no topic for is not sent", "other@example.com", "Complaint", "", false},
		{"a Send event is never a notification", "other@example.com", "Send", "", false},
		{"a DeliveryDelay is never a notification", "other@example.com", "DeliveryDelay", "", false},
		{"mail from another domain gets none", "sender@example.org", "Bounce", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, nil)
			eps := map[string]*endpoint{"address": newEndpoint(t), "domain": newEndpoint(t)}
			addrTopic := e.topic(t, "address").ARN
			domainTopic := e.topic(t, "domain").ARN
			e.subscribe(t, addrTopic, eps["address"])
			e.subscribe(t, domainTopic, eps["domain"])
			set := func(identity string, change func(*topic.Notifications)) {
				if err := e.topics.SetIdentityNotifications(e.ctx, acct, identity, func(n *topic.Notifications) error {
					change(n)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			set("sender@example.com", func(n *topic.Notifications) { n.BounceTopic, n.HeadersInBounce = addrTopic, true })
			set("example.com", func(n *topic.Notifications) {
				n.BounceTopic = domainTopic
				n.DeliveryTopic, n.HeadersInDelivery = domainTopic, true
			})

			m := e.message(t, tc.source, "")
			e.appendEvents(t, event(t, m, tc.typ, t0))
			for _, d := range e.deliverDue(t) {
				if d.State != store.DeliveryDelivered {
					t.Errorf("delivery to %s: %s (%s)", d.Target, d.State, d.LastError)
				}
			}
			for name, ep := range eps {
				got := ep.received()
				if name != tc.want {
					if len(got) != 0 {
						t.Errorf("endpoint %s got %d messages, want none", name, len(got))
					}
					continue
				}
				if len(got) != 1 {
					t.Fatalf("endpoint %s got %d messages, want 1", name, len(got))
				}
				env := got[0].Envelope
				if err := sns.Verify(&env, e.signer.CertificatePEM()); err != nil {
					t.Errorf("signature: %v", err)
				}
				if env.Subject != "" {
					t.Errorf("a notification has Subject %q, want none", env.Subject)
				}
				p := payload(t, got[0])
				if d, typ := kind(p); d != dialectNotification || typ != tc.typ {
					t.Errorf("payload is %s %q, want notificationType %s", d, typ, tc.typ)
				}
				mail, _ := p["mail"].(map[string]any)
				_, hasHeaders := mail["headers"]
				_, hasCommon := mail["commonHeaders"]
				if hasHeaders != tc.headers || hasCommon != tc.headers {
					t.Errorf("mail has headers %v, commonHeaders %v; want %v", hasHeaders, hasCommon, tc.headers)
				}
				if _, hasTags := mail["tags"]; hasTags {
					t.Error("a notification's mail has tags")
				}
			}
		})
	}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	shared := e.topic(t, "shared")
	sub1, err := e.topics.Subscribe(e.ctx, acct, shared.ARN, topic.ProtocolNATS, "hikyaku.one", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := e.topics.Subscribe(e.ctx, acct, shared.ARN, topic.ProtocolNATS, "hikyaku.two", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two destinations on one topic, and the identity's settings on it too.
	e.configSet(t, "cs",
		snsDestination("a", shared.ARN, true, "BOUNCE"),
		snsDestination("b", shared.ARN, true, "BOUNCE", "SEND"),
	)
	if err := e.topics.SetIdentityNotifications(e.ctx, acct, "example.com", func(n *topic.Notifications) error {
		n.BounceTopic = shared.ARN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m := e.message(t, "sender@example.com", "cs")
	for _, tc := range []struct {
		typ  string
		want []string
	}{
		{"Bounce", []string{
			target(dialectEvent, sub1.ARN), target(dialectEvent, sub2.ARN),
			target(dialectNotification, sub1.ARN), target(dialectNotification, sub2.ARN),
		}},
		{"Send", []string{target(dialectEvent, sub1.ARN), target(dialectEvent, sub2.ARN)}},
		{"Delivery", nil},
	} {
		got, err := e.p.route(event(t, m, tc.typ, t0))
		if err != nil {
			t.Fatalf("route(%s): %v", tc.typ, err)
		}
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("route(%s) = %q, want %q (each subscription once per dialect)", tc.typ, got, tc.want)
		}
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	sub := "arn:aws:sns:eu-west-1:123456789012:events:0b3d3b0e-5d7c-4a4f-9d1e-2f6e8c1a7b90"
	for _, dialect := range []string{dialectEvent, dialectNotification, dialectNotificationHeaders} {
		d, s := parseTarget(target(dialect, sub))
		if d != dialect || s != sub {
			t.Errorf("parseTarget(target(%q, %q)) = %q, %q", dialect, sub, d, s)
		}
	}

	a := &store.EventDelivery{EventID: 7, Target: target(dialectEvent, sub)}
	id := messageID(a)
	if len(id) != 36 || id[14] != '5' || !strings.ContainsRune("89ab", rune(id[19])) || strings.Count(id, "-") != 4 {
		t.Errorf("messageID = %q, want a version 5 UUID", id)
	}
	for _, tc := range []struct {
		name string
		d    *store.EventDelivery
		same bool
	}{
		{"a retry of the same delivery keeps its id", &store.EventDelivery{EventID: 7, Target: a.Target, Attempts: 5}, true},
		{"another event gets another id", &store.EventDelivery{EventID: 8, Target: a.Target}, false},
		{"another dialect gets another id", &store.EventDelivery{EventID: 7, Target: target(dialectNotification, sub)}, false},
		{"another subscription gets another id", &store.EventDelivery{EventID: 7, Target: target(dialectEvent, sub+"x")}, false},
	} {
		if got := messageID(tc.d) == id; got != tc.same {
			t.Errorf("%s: messageID %s, first %s", tc.name, messageID(tc.d), id)
		}
	}
}

func TestMailOf(t *testing.T) {
	t.Parallel()
	body := []byte("From: Sender <sender@mail.example.com>\r\nTo: a@example.net\r\nSubject: Hi\r\n\r\nbody\r\n")
	for _, tc := range []struct {
		source, sourceArn string
	}{
		{"sender@mail.example.com", "arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com"},
		{"Sender <sender@mail.example.com>", "arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com"},
		{"postmaster", ""},
	} {
		msg := &store.Message{ID: "m1", AccountID: acct, Source: tc.source, ConfigurationSet: "cs",
			Recipients: []store.Recipient{{Address: "a@example.net"}, {Address: "b@example.net"}},
			Tags: []store.Tag{{Name: "ses:source-ip", Value: "192.0.2.1"}, {Name: "ses:caller-identity", Value: "alice"},
				{Name: "team", Value: "x"}, {Name: "team", Value: "y"}}}
		m := MailOf(msg, body, region)
		if m.SourceArn != tc.sourceArn {
			t.Errorf("source %q: SourceArn %q, want %q", tc.source, m.SourceArn, tc.sourceArn)
		}
		if m.SourceIP != "192.0.2.1" || m.CallerIdentity != "alice" || !slices.Equal(m.Destination, []string{"a@example.net", "b@example.net"}) {
			t.Errorf("mail %+v", m)
		}
		if got := m.Tags["team"]; !slices.Equal(got, []string{"x", "y"}) {
			t.Errorf("tag team = %q", got)
		}
		for name, want := range map[string]string{"ses:configuration-set": "cs", "ses:from-domain": "mail.example.com",
			"ses:source-ip": "192.0.2.1", "ses:caller-identity": "alice"} {
			if got := m.Tags[name]; !slices.Equal(got, []string{want}) {
				t.Errorf("tag %s = %q, want %q", name, got, want)
			}
		}
	}
}
