package template_test

import (
	"fmt"

	"github.com/hikyaku/hikyaku/internal/template"
)

func ExampleRender() {
	tpl := template.Template{
		Name:    "MyTemplate",
		Subject: "Greetings, {{name}}!",
		Text:    "Dear {{name}},\nYour favorite animal is {{favoriteanimal}}.",
	}
	out, err := template.Render(tpl, `{"name":"Alejandro","favoriteanimal":"alligator"}`, template.Options{})
	fmt.Println(out.Subject, err)

	_, err = template.Render(tpl, `{"name":"Alejandro"}`, template.Options{})
	fmt.Println(err)
	// Output:
	// Greetings, Alejandro! <nil>
	// MissingRenderingAttribute: Attribute 'favoriteanimal' is not present in the rendering data.
}

func ExampleMerge() {
	data, _ := template.Merge(`{"name":"friend","plan":{"tier":"free","seats":1}}`, `{"plan":{"tier":"pro"}}`)
	fmt.Println(data)
	// Output: {"name":"friend","plan":{"tier":"pro","seats":1}}
}

func ExampleCache() {
	cache := template.NewCache(100)
	tpl := template.Template{Name: "Hello", Subject: "Hello {{name}}"}
	def, _ := template.ParseData(`{"name":"friend"}`)
	for _, repl := range []string{`{"name":"Ana"}`, `{}`} {
		c, _ := cache.Compile(tpl) // parsed on the first destination only
		d, _ := template.ParseData(repl)
		out, _ := c.Execute(template.MergeData(def, d), template.Options{})
		fmt.Println(out.Subject)
	}
	// Output:
	// Hello Ana
	// Hello friend
}
