package template

import (
	"fmt"
	"testing"
)

// bulkTemplate is a typical marketing template: nested data, a loop and a
// conditional in both bodies.
var bulkTemplate = Template{
	Name:    "Newsletter",
	Subject: "{{contact.firstName}}, this week's picks for you",
	Text: "Hi {{contact.firstName}},\n{{#each picks}}\n- {{title}}: {{url}}\n{{/each}}\n" +
		"{{#if coupon}}Use {{coupon}} for 10% off.{{/if}}\nUnsubscribe: {{amazonSESUnsubscribeUrl}}\n",
	HTML: "<html><body><h1>Hi {{contact.firstName}} {{contact.lastName}}</h1><ul>\n{{#each picks}}\n" +
		"<li><a href=\"{{url}}\">{{title}}</a></li>\n{{/each}}\n</ul>{{#if coupon}}<p>Use <b>{{coupon}}</b></p>{{/if}}" +
		"<p><a href=\"{{amazonSESUnsubscribeUrl}}\">Unsubscribe</a></p></body></html>",
}

const bulkDefaults = `{"contact":{"firstName":"friend","lastName":""},"coupon":"",` +
	`"picks":[{"title":"Tea","url":"https://shop.example/tea"},{"title":"Mugs","url":"https://shop.example/mugs"},` +
	`{"title":"Kettles","url":"https://shop.example/kettles"}]}`

// BenchmarkRenderBulk renders one compiled template for 1,000 destinations,
// as SendBulkEmail does: per destination it parses ReplacementTemplateData,
// merges it over the defaults (parsed once) and renders the three parts.
// One op is the whole batch.
func BenchmarkRenderBulk(b *testing.B) {
	const recipients = 1000
	cache := NewCache(16)
	repl := make([]string, recipients)
	for i := range repl {
		repl[i] = fmt.Sprintf(`{"contact":{"firstName":"User%d","lastName":"山田"},"coupon":"C%04d"}`, i, i)
	}
	opts := Options{Reserved: map[string]string{UnsubscribeURL: "https://unsub.example/u/abc"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c, err := cache.Compile(bulkTemplate)
		if err != nil {
			b.Fatal(err)
		}
		def, err := ParseData(bulkDefaults)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range repl {
			d, err := ParseData(r)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Execute(MergeData(def, d), opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*recipients), "ns/recipient")
}

// BenchmarkCompile is what every message would pay without the cache.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(bulkTemplate); err != nil {
			b.Fatal(err)
		}
	}
}
