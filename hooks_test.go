// Hooks into the package for its external tests.

package portal

// Compilations reports how many times p compiled a settings version's rules
// (filter groups and expression rules).
func Compilations(p *Portal) int64 {
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	return p.cache.compilations
}

// ContainsFold and HasPrefixFold are the case-insensitive text tests of
// compiled filters, for hand-written baselines.
var (
	ContainsFold  = containsFold
	HasPrefixFold = hasPrefixFold
)
