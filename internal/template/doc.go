// Package template renders SES email templates: the stored templates of
// CreateEmailTemplate (v1 CreateTemplate), the inline TemplateContent of
// SendEmail and SendBulkEmail, and TestRenderEmailTemplate.
//
// SES templates are Handlebars with SES's own rules. This package follows
// SES where SES's behaviour is known and Handlebars.js where SES is silent:
//
//   - A printed variable ({{name}}, {{user.name}}) or a section
//     ({{#name}}…{{/name}}) that is absent or null fails the rendering with
//     MissingRenderingAttribute, "Attribute 'name' is not present in the
//     rendering data.", naming the path's last segment. Helper arguments
//     ({{#if x}}, {{#each x}}) may be absent. Extra data is ignored.
//   - Values are not HTML-escaped, in any part (Options.EscapeHTML opts in
//     for the HTML part). {{{x}}} and {{&x}} are raw either way.
//   - The helpers are Handlebars' built-ins: if (with includeZero), else,
//     unless, each (@index, @key, @first, @last, block parameters), with,
//     lookup and log; plus @root, ../, this, and inline partials
//     ({{#*inline "name"}}…{{/inline}} then {{> name}}). Calling any other
//     helper is a missing attribute named after it.
//   - Inline template content allows plain substitutions only
//     (CompileInline).
//   - {{amazonSESUnsubscribeUrl}} is reserved (Options.Reserved).
//   - SendBulkEmail's data is DefaultTemplateData merged recursively with
//     each ReplacementTemplateData (MergeData).
//
// testdata/README.md lists each behaviour with its source, and what is
// still unconfirmed. testdata/golden holds a rendering per behaviour.
//
// Parsing is github.com/mailgun/raymond/v2's; evaluation is this package's
// own walk over raymond's syntax tree (eval.go), because raymond's
// evaluator differs from SES on exactly the rules above: it renders a
// missing variable as empty, always escapes {{x}}, registers extra global
// helpers (equal, ifGt, pluralize, …), prints objects as Go maps, falls back
// to parent contexts as Mustache does, and cannot parse {{#*inline}}.
//
// Compile (or a Cache) parses once; Compiled.Execute renders one message
// and is safe to call from many goroutines.
package template
