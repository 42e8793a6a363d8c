package memstore_test

import (
	"testing"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/store/memstore"
	"github.com/helpdeskkit/portal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) portal.Store { return memstore.New() })
}

func TestPortalOverStore(t *testing.T) {
	storetest.RunPortal(t, func(t *testing.T) portal.Store { return memstore.New() })
}
