package portal

// Compilations reports how many times p compiled a settings version's rules
// (filter groups and expression rules).
func Compilations(p *Portal) int64 {
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	return p.cache.compilations
}
