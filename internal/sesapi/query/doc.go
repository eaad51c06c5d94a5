// Package query is the codec for the SES v1 API (2010-12-01), which speaks
// the AWS Query protocol: requests are form-encoded parameters
// (Action=SendEmail&Destination.ToAddresses.member.1=...) sent as a POST
// body or a GET query string, and responses are XML documents in the SES
// namespace.
//
// The package turns a request into an action name and a typed input
// ([ParseRequest], [Decode]) and a typed output or a [fault.Error] back into
// the XML that the AWS SDKs parse ([WriteResponse], [WriteError]). It knows
// nothing about accounts, signatures or sending; the API layer does.
//
// Inputs and outputs are plain structs whose fields carry a `query` tag with
// the wire name of the member as the SES model spells it, and options:
//
//	Source      string       `query:"Source,required"`
//	MaxItems    *int         `query:"MaxItems"`
//	IdentityType string      `query:"IdentityType,enum=EmailAddress|Domain"`
//
// A field without a tag uses its Go name; `query:"-"` skips it. Supported
// field types are strings, bools, integers, floats, time.Time (ISO 8601),
// []byte (base64 blobs), structs, pointers to any of those, slices
// (Query lists, Name.member.N) and maps with string keys (Name.entry.N.key /
// Name.entry.N.value).
//
// The protocol is described by the Smithy awsQuery specification; SES
// specifics (error codes, the empty result wrapper) are noted where they are
// handled.
package query
