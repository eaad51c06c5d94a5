package template

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenCase is one rendering whose inputs and result are kept in
// testdata/golden/<name>.txt. Regenerate with
//
//	go test ./internal/template -run Golden -update
//
// and read the diff: the files are the record of what hikyaku renders.
type goldenCase struct {
	name string
	tpl  Template
	data string
	opts Options
}

func goldenCases() []goldenCase {
	// The Developer Guide's examples (send-personalized-email-api and
	// send-personalized-email-advanced), with the data they show.
	const prefs = `{"meta":{"userId":"51806220607"},"contact":{"firstName":"Anaya","lastName":"Iyengar"},` +
		`"subscription":[{"interest":"Sports"},{"interest":"Travel"},{"interest":"Cooking"}]}`
	prefsTpl := Template{Name: "Preferences2",
		Subject: "Subscription Preferences for {{contact.firstName}} {{contact.lastName}}",
		HTML: "<h1>Your Preferences</h1>\n<p>Dear {{contact.firstName}},</p>\n" +
			"{{#if subscription}}\n<ul>\n{{#each subscription}}\n  <li>{{interest}}</li>\n{{/each}}\n</ul>\n" +
			"{{else}}\n<p>Please update your preferences at the <a href=https://www.example.com/prefererences/i.aspx?id={{meta.userId}}>Preference Center</a>.</p>\n{{/if}}\n",
		Text: "Dear {{contact.firstName}},\n{{#if subscription}}\n{{#each subscription}}\n- {{interest}}\n{{/each}}\n{{else}}\nPlease update your preferences.\n{{/if}}\n",
	}
	return []goldenCase{
		{name: "simple_substitution", tpl: Template{Name: "MyTemplate",
			Subject: "Greetings, {{name}}!",
			HTML:    "<h1>Hello {{name}},</h1><p>Your favorite animal is {{favoriteanimal}}.</p>",
			Text:    "Dear {{name}},\r\nYour favorite animal is {{favoriteanimal}}."},
			data: `{ "name":"Alejandro", "favoriteanimal": "alligator" }`},
		{name: "extra_data_is_ignored", tpl: Template{Name: "T", Subject: "Hello, {{name}}!"},
			data: `{ "name":"Jane", "favoritenumber": "10" }`},
		{name: "nested_attributes", tpl: prefsTpl, data: prefs},
		{name: "if_else_empty_list", tpl: prefsTpl,
			data: `{"meta":{"userId":"1981624758263"},"contact":{"firstName":"Shirley","lastName":"Rodriguez"},"subscription":[]}`},
		{name: "if_missing_is_false", tpl: Template{Name: "T",
			Text: "{{#if vip}}VIP{{else}}regular{{/if}} {{#if count}}count{{/if}}{{#if count includeZero=true}}zero counts{{/if}}"},
			data: `{"count":0}`},
		{name: "else_if_chain", tpl: Template{Name: "T",
			Text: "{{#if gold}}gold{{else if silver}}silver{{else}}bronze{{/if}}"},
			data: `{"gold":false,"silver":"yes"}`},
		{name: "unless", tpl: Template{Name: "T",
			Text: "{{#unless verified}}Please verify your address.{{else}}Thanks for verifying.{{/unless}}"},
			data: `{"verified":false}`},
		{name: "each_objects_with_parent", tpl: Template{Name: "T",
			Text: "{{#each items}}{{@index}}. {{name}} x{{qty}} for {{../customer}}{{#if @last}}.{{else}}, {{/if}}{{/each}}"},
			data: `{"customer":"Ana","items":[{"name":"Tea","qty":2},{"name":"Mug","qty":1}]}`},
		{name: "each_strings", tpl: Template{Name: "T",
			Text: "{{#each tags}}{{#if @first}}[{{/if}}{{this}}{{#unless @last}}|{{/unless}}{{#if @last}}]{{/if}}{{/each}}" +
				"{{#each empty}}never{{else}} (no more){{/each}}"},
			data: `{"tags":["a","b","c"],"empty":[]}`},
		{name: "each_object_keys", tpl: Template{Name: "T",
			Text: "{{#each prices}}{{@key}}={{this}};{{/each}} {{#each prices as |price code|}}{{code}}:{{price}} {{/each}}"},
			data: `{"prices":{"usd":1.50,"jpy":160,"eur":1.4e0}}`},
		{name: "with_and_sections", tpl: Template{Name: "T",
			Text: "{{#with user}}{{first}} {{last}}{{/with}} / {{#user}}{{first}}{{/user}} / {{^orders}}no orders{{/orders}}" +
				" / {{#with nobody}}x{{else}}nobody{{/with}}"},
			data: `{"user":{"first":"Ken","last":"Sato"},"orders":[]}`},
		{name: "lookup_and_paths", tpl: Template{Name: "T",
			Text: "{{lookup names lang}} {{names.[en]}} {{list.length}} {{list.[1]}} {{[first name]}} {{@root.lang}} {{this.lang}}"},
			data: `{"lang":"ja","names":{"en":"Tokyo","ja":"東京"},"list":["x","y"],"first name":"Ada"}`},
		{name: "values_print_as_javascript", tpl: Template{Name: "T",
			Text: "{{n1}} {{n2}} {{n3}} {{n4}} {{n5}} {{t}} {{f}} {{arr}} {{obj}} {{empty}}"},
			data: `{"n1":100,"n2":1.50,"n3":1e21,"n4":0.0000001,"n5":-0,"t":true,"f":false,"arr":[1,"a",null,[2,3]],"obj":{"k":1},"empty":""}`},
		{name: "html_not_escaped_by_default", tpl: Template{Name: "T",
			Subject: "{{title}}", Text: "{{title}} {{{title}}}", HTML: "<p>{{title}} {{{title}}} {{&title}}</p>"},
			data: `{"title":"<b>Tom & Jerry</b> \"quoted\" 'single' a=b"}`},
		{name: "html_escaped_on_request", tpl: Template{Name: "T",
			Subject: "{{title}}", Text: "{{title}} {{{title}}}", HTML: "<p>{{title}} {{{title}}} {{&title}}</p>"},
			data: `{"title":"<b>Tom & Jerry</b> \"quoted\" 'single' a=b"}`,
			opts: Options{EscapeHTML: true}},
		{name: "unicode_japanese", tpl: Template{Name: "T",
			Subject: "{{name}}様、ご注文ありがとうございます",
			Text:    "{{name}}様\n合計: {{total}}円 {{emoji}}",
			HTML:    "<p>{{name}}様</p><p>{{#each items}}{{this}}、{{/each}}</p>"},
			data: `{"name":"山田太郎","total":12800,"emoji":"🎉","items":["抹茶","羊羹"]}`},
		{name: "whitespace_control", tpl: Template{Name: "T",
			Text: "Items:\n{{#each items}}\n  - {{this}}\n{{/each}}\nTotal: {{~ total ~}} !"},
			data: `{"items":["a","b"],"total":"3"}`},
		{name: "inline_partials", tpl: Template{Name: "Preferences3",
			Subject: "{{firstName}}'s Subscription Preferences",
			HTML: "{{#* inline \"fullName\"}}\n  {{firstName}}{{#if lastName}} {{lastName}}{{/if}}\n{{/inline~}}\n" +
				"<h1>Hello {{> fullName}}!</h1>\n<ul>\n{{#each friends}}\n  <li>{{> fullName}}</li>\n{{/each}}</ul>",
			Text: "{{#*inline \"fullName\"}}{{firstName}}{{#if lastName}} {{lastName}}{{/if}}{{/inline}}\n" +
				"Hello {{> fullName}}! Your friends:\n{{#each friends}}\n- {{> fullName}}\n{{/each}}"},
			data: `{"firstName":"Anaya","lastName":"Iyengar","friends":[{"firstName":"Jane"},{"firstName":"Liu","lastName":"Jie"}]}`},
		{name: "partial_with_context", tpl: Template{Name: "T",
			Text: "{{#*inline \"addr\"}}{{city}} ({{zip}}){{/inline}}{{> addr home}} / {{> addr work zip=\"-\"}}"},
			data: `{"home":{"city":"Kyoto","zip":"600-8216"},"work":{"city":"Osaka","zip":"530-0001"}}`},
		{name: "standalone_partial_is_indented", tpl: Template{Name: "T",
			Text: "{{#*inline \"addr\"}}\n{{street}}\n{{city}}\n{{/inline}}\nShip to:\n    {{> addr}}\nThanks"},
			data: `{"street":"1 Main St","city":"Kobe"}`},
		{name: "unsubscribe_url_reserved", tpl: Template{Name: "T",
			Subject: "News {{amazonSESUnsubscribeUrl}}",
			Text:    "Unsubscribe: {{amazonSESUnsubscribeUrl}}",
			HTML:    `<a href="{{amazonSESUnsubscribeUrl}}">1</a><a href="{{amazonSESUnsubscribeUrl}}">2</a>`},
			data: `{"amazonSESUnsubscribeUrl":"from-data-is-ignored"}`,
			opts: Options{Reserved: map[string]string{UnsubscribeURL: "https://unsub.example/u?t=abc&x=1"}, EscapeHTML: true}},
		{name: "unsubscribe_url_without_list_management", tpl: Template{Name: "T",
			Text: "Hi {{name}}. Unsubscribe: {{amazonSESUnsubscribeUrl}}"},
			data: `{"name":"Ken"}`},

		// Failures.
		{name: "missing_top_level", tpl: Template{Name: "MyTemplate",
			Subject: "Greetings, {{name}}!",
			HTML:    "<h1>Hello {{name}},</h1><p>Your favorite animal is {{favoriteanimal}}.</p>"},
			data: `{"name":"John"}`},
		{name: "missing_nested_leaf", tpl: Template{Name: "T", Text: "Hello {{user.name}}"},
			data: `{"user":{"id":1}}`},
		{name: "missing_nested_parent", tpl: Template{Name: "T", Text: "Hello {{user.name}}"},
			data: `{"account":{}}`},
		{name: "missing_in_each_item", tpl: Template{Name: "T", Text: "{{#each items}}{{name}} {{/each}}"},
			data: `{"items":[{"name":"a"},{"title":"b"}]}`},
		{name: "missing_section", tpl: Template{Name: "T", Text: "{{#coupon}}{{code}}{{/coupon}}"},
			data: `{}`},
		{name: "null_is_missing", tpl: Template{Name: "T", Text: "{{name}} {{website}}"},
			data: `{"name":"James","website":null}`},
		{name: "unknown_helper", tpl: Template{Name: "T", Text: "{{#IF firstName}}Hey {{firstName}}{{/IF}}"},
			data: `{"firstName":"Ann"}`},
		{name: "raymond_only_helper_is_unknown", tpl: Template{Name: "T", Text: "{{#equal a b}}same{{/equal}}"},
			data: `{"a":1,"b":1}`},
		{name: "bad_json", tpl: Template{Name: "T", Text: "{{name}}"}, data: `{"name":"x",}`},
		{name: "json_array", tpl: Template{Name: "T", Text: "{{name}}"}, data: `[{"name":"x"}]`},
		{name: "json_string", tpl: Template{Name: "T", Text: "{{name}}"}, data: `"name"`},
		{name: "json_trailing_data", tpl: Template{Name: "T", Text: "{{name}}"}, data: `{"name":"x"} {}`},
		{name: "data_too_long", tpl: Template{Name: "T", Text: "{{a}}"},
			data: `{"a":"` + strings.Repeat("x", MaxDataLength) + `"}`},
		{name: "unclosed_block", tpl: Template{Name: "T", Subject: "ok", HTML: "<ul>\n{{#each items}}\n<li>{{this}}</li>\n</ul>"},
			data: `{"items":[]}`},
		{name: "mismatched_block", tpl: Template{Name: "T", Text: "{{#if a}}x{{/each}}"}, data: `{}`},
		{name: "unclosed_mustache", tpl: Template{Name: "T", Subject: "Hello {{name"}, data: `{}`},
		{name: "if_without_argument", tpl: Template{Name: "T", Text: "{{#if}}x{{/if}}"}, data: `{}`},
		{name: "partial_not_found", tpl: Template{Name: "T", Text: "{{> footer}}"}, data: `{}`},
		{name: "oversize_template", tpl: Template{Name: "Big", Subject: "s",
			HTML: strings.Repeat("x", MaxTemplateSize)}, data: `{}`},
		{name: "bad_name", tpl: Template{Name: "my template", Text: "x"}, data: `{}`},
		{name: "empty_template", tpl: Template{Name: "T"}, data: `{}`},
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, tc := range goldenCases() {
		if seen[tc.name] {
			t.Fatalf("duplicate case %s", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := goldenText(tc)
			path := filepath.Join(dir, tc.name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file; got:\n%s", path, got)
			}
		})
	}
	if !*update {
		// A golden file without a case is a case someone removed.
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, f := range files {
			if !seen[strings.TrimSuffix(filepath.Base(f), ".txt")] {
				t.Errorf("%s has no case in goldenCases", f)
			}
		}
	}
}

// goldenText renders tc and records inputs and outcome in a txtar-like
// layout: "-- section --" lines, each followed by its content.
func goldenText(tc goldenCase) string {
	var b strings.Builder
	section := func(name, body string) {
		b.WriteString("-- " + name + " --\n")
		if len(body) > 400 {
			body = body[:80] + "… (" + strconv.Itoa(len(body)) + " bytes)"
		}
		b.WriteString(body)
		b.WriteString("\n")
	}
	section("name", tc.tpl.Name)
	for _, p := range []struct{ name, body string }{
		{"subject", tc.tpl.Subject}, {"text", tc.tpl.Text}, {"html", tc.tpl.HTML},
	} {
		if p.body != "" {
			section("template."+p.name, p.body)
		}
	}
	section("data", tc.data)
	if tc.opts.EscapeHTML {
		section("option.escape-html", "true")
	}
	keys := make([]string, 0, len(tc.opts.Reserved))
	for k := range tc.opts.Reserved {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		section("option.reserved."+k, tc.opts.Reserved[k])
	}

	out, err := Render(tc.tpl, tc.data, tc.opts)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			section("error", "not a *template.Error: "+err.Error())
			return b.String()
		}
		section("error.kind", e.Kind.String())
		section("error.message", e.Message)
		if e.Part != "" {
			section("error.part", e.Part)
		}
		if e.Path != "" {
			section("error.path", e.Path)
		}
		if e.Line > 0 {
			section("error.line", strconv.Itoa(e.Line))
		}
		return b.String()
	}
	if tc.tpl.Subject != "" {
		section("rendered.subject", out.Subject)
	}
	if tc.tpl.Text != "" {
		section("rendered.text", out.Text)
	}
	if tc.tpl.HTML != "" {
		section("rendered.html", out.HTML)
	}
	return b.String()
}
