package storetest

import "github.com/helpdeskkit/portal"

// The contract does not say whether an empty slice or map comes back as nil
// or as an empty value; SQL stores commonly give one where the caller wrote
// the other. The suite treats the two as the same: these helpers turn every
// empty collection of a record into nil, and are applied to both sides of a
// comparison wherever a record holds empty collections. Records compared
// without them are written with non-empty collections only.

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func nilIfEmptyMap[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func normContact(c portal.Contact) portal.Contact {
	c.Lists = nilIfEmpty(c.Lists)
	c.Properties = nilIfEmptyMap(c.Properties)
	return c
}

func normCompany(c portal.Company) portal.Company {
	c.Properties = nilIfEmptyMap(c.Properties)
	return c
}

func normPipeline(p portal.Pipeline) portal.Pipeline {
	p.Stages = nilIfEmpty(p.Stages)
	return p
}

func normForm(f portal.Form) portal.Form {
	f.Fields = nilIfEmpty(f.Fields)
	return f
}

func normTicket(tk portal.Ticket) portal.Ticket {
	tk.ContactIDs = nilIfEmpty(tk.ContactIDs)
	tk.CompanyIDs = nilIfEmpty(tk.CompanyIDs)
	tk.Properties = nilIfEmptyMap(tk.Properties)
	return tk
}

func normMessage(m portal.Message) portal.Message {
	m.Attachments = nilIfEmpty(m.Attachments)
	return m
}

func normPropertyDefs(defs []portal.PropertyDef) []portal.PropertyDef {
	out := make([]portal.PropertyDef, len(defs))
	for i, d := range defs {
		d.Property.Options = nilIfEmpty(d.Property.Options)
		out[i] = d
	}
	return out
}

func normFilterGroups(g portal.FilterGroups) portal.FilterGroups {
	if len(g) == 0 {
		return nil
	}
	out := make(portal.FilterGroups, len(g))
	for i, group := range g {
		out[i] = nilIfEmpty(group)
		if out[i] != nil {
			out[i] = make([]portal.Filter, len(group))
			for j, f := range group {
				f.Values = nilIfEmpty(f.Values)
				out[i][j] = f
			}
		}
	}
	return out
}

func normSettings(s portal.Settings) portal.Settings {
	s.Permissions.ContactFilter = normFilterGroups(s.Permissions.ContactFilter)
	s.Display.Visibility = normFilterGroups(s.Display.Visibility)
	s.Display.Columns = nilIfEmpty(s.Display.Columns)
	s.Conversations.InternalSenders = nilIfEmpty(s.Conversations.InternalSenders)
	s.Actions.CloseStages = nilIfEmptyMap(s.Actions.CloseStages)
	s.Actions.ReopenStages = nilIfEmptyMap(s.Actions.ReopenStages)
	s.Access.Lists = nilIfEmpty(s.Access.Lists)
	return s
}
