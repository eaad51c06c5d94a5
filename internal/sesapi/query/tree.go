package query

import (
	"net/url"
	"strconv"
	"strings"
)

// maxDepth bounds how many dot-separated segments of a parameter name are
// looked at. The deepest SES v1 input member is well under it
// (Destinations.member.N.Destination.ToAddresses.member.N in
// SendBulkTemplatedEmail); deeper names cannot match a member and are
// ignored like any other unknown parameter.
const maxDepth = 16

// maxMembers bounds the length of a Query list or map. SES's own limits are
// far lower (50 recipients, 100 identities per request); the cap only keeps
// a hostile request from making the decoder allocate.
const maxMembers = 1000

// node is one segment of the parameter names: the parameters
// Message.Subject.Data and Message.Body.Text.Data share the node "Message",
// which has the children "Subject" and "Body".
type node struct {
	value    string
	hasValue bool // a parameter ends at this node
	children map[string]*node
}

// parseTree builds the tree of form's parameter names. A parameter sent
// twice keeps its first value, as url.Values.Get does.
func parseTree(form url.Values) *node {
	root := &node{}
	for key, values := range form {
		if len(values) == 0 || strings.Count(key, ".") >= maxDepth {
			continue
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			n = n.child(seg)
		}
		n.value, n.hasValue = values[0], true
	}
	return root
}

// child returns the child named seg, creating it.
func (n *node) child(seg string) *node {
	if n.children == nil {
		n.children = make(map[string]*node)
	}
	c := n.children[seg]
	if c == nil {
		c = &node{}
		n.children[seg] = c
	}
	return c
}

// get returns the child named seg, or nil; n may be nil.
func (n *node) get(seg string) *node {
	if n == nil {
		return nil
	}
	return n.children[seg]
}

// members returns the numbered children of a list's "member" or a map's
// "entry" node in order, checking that they are numbered 1, 2, ... n
// without gaps (AWS SDKs always send them so; a gap means a broken
// client). wire is the parameter name of the container, for messages.
func (n *node) members(wire string) ([]*node, error) {
	if n == nil || len(n.children) == 0 {
		return nil, nil
	}
	if len(n.children) > maxMembers {
		return nil, invalidParam("%s has more than %d members.", clip(wire), maxMembers)
	}
	for name := range n.children {
		if _, ok := parseIndex(name); !ok {
			return nil, invalidParam("%s.%s is not a valid parameter: members are numbered from 1 to %d.", clip(wire), clip(name), maxMembers)
		}
	}
	out := make([]*node, len(n.children))
	for i := range out {
		c := n.children[strconv.Itoa(i+1)]
		if c == nil {
			return nil, invalidParam("%s.%d is missing: members must be numbered from 1 without gaps.", clip(wire), i+1)
		}
		out[i] = c
	}
	return out, nil
}

// parseIndex reads a 1-based member number in canonical form (no sign, no
// leading zero), so that "1" and "01" cannot name the same member.
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > len(strconv.Itoa(maxMembers)) || s[0] == '0' {
		return 0, false
	}
	i := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, i >= 1 && i <= maxMembers
}
