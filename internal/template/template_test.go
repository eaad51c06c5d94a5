package template

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestMergeFollowsSESBulkRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def, repl, want string
	}{
		{"an absent replacement keeps the defaults", `{"name":"friend","n":1}`, ``, `{"name":"friend","n":1}`},
		{"an empty replacement keeps the defaults", `{"name":"friend"}`, `{}`, `{"name":"friend"}`},
		{"replacement keys override default keys", `{"name":"friend","animal":"unknown"}`, `{"name":"Anaya"}`,
			`{"name":"Anaya","animal":"unknown"}`},
		{"new replacement keys are added after the defaults", `{"a":1}`, `{"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"nested objects merge recursively", `{"a":{"x":"defX","y":"defY"}}`, `{"a":{"x":"repX"}}`,
			`{"a":{"x":"repX","y":"defY"}}`},
		{"arrays are replaced whole", `{"l":[1,2,3]}`, `{"l":[9]}`, `{"l":[9]}`},
		{"an object replaces a scalar", `{"a":"s"}`, `{"a":{"x":1}}`, `{"a":{"x":1}}`},
		{"a scalar replaces an object", `{"a":{"x":1}}`, `{"a":"s"}`, `{"a":"s"}`},
		{"null in the replacement wins", `{"a":"s"}`, `{"a":null}`, `{"a":null}`},
		{"empty defaults take the replacement", `{}`, `{"a":"<b>"}`, `{"a":"<b>"}`},
		{"unicode survives", `{"name":"友"}`, `{"city":"東京"}`, `{"name":"友","city":"東京"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Merge(tt.def, tt.repl)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Merge(%s, %s) = %s, want %s", tt.def, tt.repl, got, tt.want)
			}
		})
	}
}

func TestMergeDataLeavesItsArgumentsAlone(t *testing.T) {
	t.Parallel()
	def, _ := ParseData(`{"a":{"x":1,"y":2},"l":[1]}`)
	repl, _ := ParseData(`{"a":{"x":9},"l":[2]}`)
	before := def.String() + repl.String()
	merged := MergeData(def, repl)
	if got := def.String() + repl.String(); got != before {
		t.Errorf("arguments changed: %s, was %s", got, before)
	}
	if got, want := merged.String(), `{"a":{"x":9,"y":2},"l":[2]}`; got != want {
		t.Errorf("merged = %s, want %s", got, want)
	}
}

func TestMergeRefusesBadData(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ def, repl string }{
		{`{`, `{}`}, {`{}`, `[1]`}, {`"x"`, ``},
	} {
		_, err := Merge(tt.def, tt.repl)
		var e *Error
		if !errors.As(err, &e) || e.Kind != InvalidRenderingParameter {
			t.Errorf("Merge(%q, %q) error = %v, want InvalidRenderingParameter", tt.def, tt.repl, err)
		}
	}
}

func TestParseDataKeepsKeyOrderAndLastDuplicate(t *testing.T) {
	t.Parallel()
	d, err := ParseData(`{"b":1,"a":{"z":true,"y":null},"b":2, "c":"<&>"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.String(), `{"b":2,"a":{"z":true,"y":null},"c":"<&>"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestParseDataRefusesDeepNesting(t *testing.T) {
	t.Parallel()
	deep := `{"a":` + strings.Repeat("[", maxDataDepth+1) + strings.Repeat("]", maxDataDepth+1) + `}`
	_, err := ParseData(deep)
	var e *Error
	if !errors.As(err, &e) || e.Kind != InvalidRenderingParameter {
		t.Fatalf("error = %v, want InvalidRenderingParameter", err)
	}
}

func TestJSNumber(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"0": "0", "-0": "0", "1": "1", "1.0": "1", "1.50": "1.5", "-2.25": "-2.25",
		"100": "100", "1e3": "1000", "123456789012345680000": "123456789012345680000",
		"1e21": "1e+21", "1.5e300": "1.5e+300", "0.000001": "0.000001", "0.0000001": "1e-7",
		"1.2e-7": "1.2e-7", "0.1": "0.1", "9007199254740993": "9007199254740992",
		"1e400": "Infinity", "-1e400": "-Infinity",
	}
	for in, want := range tests {
		if got := newNumber(in).s; got != want {
			t.Errorf("%s prints as %s, want %s", in, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tpl  Template
		kind Kind // 0: valid
	}{
		{"a subject alone is a template", Template{Name: "a", Subject: "Hi {{name}}"}, 0},
		{"an HTML part alone is a template", Template{Name: "a", HTML: "<p>{{x}}</p>"}, 0},
		{"names may use letters digits _ and -", Template{Name: "Order_Confirm-2", Text: "x"}, 0},
		{"a 64-character name is allowed", Template{Name: strings.Repeat("n", 64), Text: "x"}, 0},
		{"a 65-character name is not", Template{Name: strings.Repeat("n", 65), Text: "x"}, InvalidParameter},
		{"a name needs a character", Template{Text: "x"}, InvalidParameter},
		{"dots are not allowed in names", Template{Name: "a.b", Text: "x"}, InvalidParameter},
		{"exactly 500 KB fits", Template{Name: "a", Text: strings.Repeat("x", MaxTemplateSize)}, 0},
		{"unknown helpers are only found when rendering", Template{Name: "a", Text: "{{#IF x}}{{/IF}}"}, 0},
		{"a partial defined in the part is found", Template{Name: "a", Text: "{{#*inline \"p\"}}x{{/inline}}{{> p}}"}, 0},
		{"a partial from another part is not", Template{Name: "a",
			Text: "{{#*inline \"p\"}}x{{/inline}}", HTML: "{{> p}}"}, InvalidTemplate},
		{"dynamic partials are refused", Template{Name: "a", Text: "{{> (lookup . \"p\")}}"}, InvalidTemplate},
		{"decorators other than inline are refused", Template{Name: "a", Text: "{{#*foo \"p\"}}x{{/foo}}"}, InvalidTemplate},
		{"#each needs an iterator", Template{Name: "a", Text: "{{#each}}x{{/each}}"}, InvalidTemplate},
		{"#with takes one argument", Template{Name: "a", Text: "{{#with a b}}x{{/with}}"}, InvalidTemplate},
		{"a very long expression is refused", Template{Name: "a",
			Text: "{{" + strings.Repeat("a.", maxExpression) + "a}}"}, InvalidTemplate},
		{"a very long block comment is fine", Template{Name: "a",
			Text: "{{!-- " + strings.Repeat("<p>old footer</p>", maxExpression) + " --}}"}, 0},
		{"partials take one context", Template{Name: "a", Text: "{{#*inline \"p\"}}x{{/inline}}{{> p a b}}"}, InvalidTemplate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.tpl)
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind {
				t.Fatalf("Validate = %v, want %v", err, tt.kind)
			}
		})
	}
}

func TestCompileInlineAllowsSimpleSubstitutionsOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tpl  Template
		ok   bool
	}{
		{"variables", Template{Subject: "Hi {{name}}", Text: "{{user.name}} {{{raw}}} {{! note }}"}, true},
		{"#if", Template{Text: "{{#if var}}{{var}}{{/if}}"}, false},
		{"#each", Template{HTML: "{{#each a}}x{{/each}}"}, false},
		{"helper call", Template{Text: "{{lookup a b}}"}, false},
		{"@ variables", Template{Text: "{{@index}}"}, false},
		{"partials", Template{Text: "{{#*inline \"p\"}}x{{/inline}}{{> p}}"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileInline(tt.tpl)
			if tt.ok && err != nil {
				t.Fatalf("CompileInline = %v", err)
			}
			if !tt.ok {
				var e *Error
				if !errors.As(err, &e) || e.Message != "Template contains unsupported operations." {
					t.Fatalf("CompileInline = %v, want SES's unsupported-operations refusal", err)
				}
			}
		})
	}
}

func TestRenderErrorsCarryKindAndFault(t *testing.T) {
	t.Parallel()
	_, err := Render(Template{Name: "Welcome", Text: "Hi {{name}}"}, `{}`, Options{})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *Error", err)
	}
	if e.Kind != MissingRenderingAttribute || e.Template != "Welcome" || e.Part != "text" || e.Attribute != "name" {
		t.Errorf("error = %+v", e)
	}
	f := e.Fault()
	if f.Code != "BadRequestException" || f.QueryCode() != "MissingRenderingAttribute" || f.HTTPStatus != 400 ||
		f.Message != "Attribute 'name' is not present in the rendering data." {
		t.Errorf("fault = %+v", f)
	}
}

func TestReservedValues(t *testing.T) {
	t.Parallel()
	tpl := Template{Name: "T", Subject: "{{site}} {{name}}", Text: "{{site}} {{#each xs}}{{site}}{{/each}}"}
	opts := Options{Reserved: map[string]string{"site": "S"}}
	out, err := Render(tpl, `{"name":"n","xs":[1,2],"site":"from data"}`, opts)
	if err != nil {
		t.Fatal(err)
	}
	if out.Subject != "{{site}} n" || out.Text != "S SS" {
		t.Errorf("got %+v", out)
	}
	// A reserved name needs no data, even in a strict position.
	if _, err := Render(tpl, `{"name":"n","xs":[]}`, opts); err != nil {
		t.Errorf("reserved value reported missing: %v", err)
	}
}

func TestUnsubscribeURLReplacedTwiceAtMost(t *testing.T) {
	t.Parallel()
	tpl := Template{Name: "T", Text: "{{amazonSESUnsubscribeUrl}}", HTML: strings.Repeat("[{{amazonSESUnsubscribeUrl}}]", 3)}
	out, err := Render(tpl, `{}`, Options{Reserved: map[string]string{UnsubscribeURL: "U"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Text != "U" || out.HTML != "[U][{{amazonSESUnsubscribeUrl}}][{{amazonSESUnsubscribeUrl}}]" {
		t.Errorf("got %+v", out)
	}
}

func TestRenderingIsBounded(t *testing.T) {
	t.Parallel()
	var items []string
	for i := 0; i < 100; i++ {
		items = append(items, fmt.Sprint(i))
	}
	d, err := ParseData(`{"a":[` + strings.Join(items, ",") + `]}`)
	if err != nil {
		t.Fatal(err)
	}
	// 100^3 iterations, more than the 50,000 steps allowed here
	// (maxSteps in production, which takes longer to reach).
	c, err := Compile(Template{Name: "T", Text: "{{#each a}}{{#each @root.a}}{{#each @root.a}}.{{/each}}{{/each}}{{/each}}"})
	if err != nil {
		t.Fatal(err)
	}
	st := newState()
	st.maxSteps = 50_000
	_, err = c.execute(d, Options{}, st)
	var e *Error
	if !errors.As(err, &e) || e.Kind != InvalidTemplate || !strings.Contains(e.Message, "steps") {
		t.Fatalf("error = %v, want the step limit", err)
	}

	rec := Template{Name: "T", Text: "{{#*inline \"p\"}}x{{> p}}{{/inline}}{{> p}}"}
	_, err = Render(rec, `{}`, Options{})
	if !errors.As(err, &e) || e.Kind != InvalidTemplate || !strings.Contains(e.Message, "nested") {
		t.Fatalf("error = %v, want the partial depth limit", err)
	}
}

func TestCacheCompilesOnce(t *testing.T) {
	t.Parallel()
	c := NewCache(2)
	a := Template{Name: "a", Text: "{{x}}"}
	first, err := c.Compile(a)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.Compile(a)
			if err != nil || got != first {
				t.Errorf("Compile = %p, %v; want the cached %p", got, err, first)
			}
			if _, err := got.Render(`{"x":1}`, Options{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	// Same name, new content: a new entry.
	changed, _ := c.Compile(Template{Name: "a", Text: "{{y}}"})
	if changed == first {
		t.Error("changed content returned the old compiled template")
	}
	// A third template evicts the least recently used.
	if _, err := c.Compile(Template{Name: "b", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
	if again, _ := c.Compile(a); again == first {
		t.Error("evicted template still cached")
	}
	if _, err := c.Compile(Template{Name: "bad", Text: "{{#if}}"}); err == nil {
		t.Error("invalid template compiled")
	}
}
