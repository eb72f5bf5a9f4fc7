package sqlbuild

import (
	"fmt"
	"sort"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// FieldColumn is the SQL column of a feature or tag: derived from its integer
// index only, never from a name users chose.
func FieldColumn(f store.FieldInfo) string {
	if f.Kind == store.FieldTag {
		return fmt.Sprintf("t_%d", f.Index)
	}
	return fmt.Sprintf("f_%d", f.Index)
}

// CloneFields returns a copy of a model's feature or tag map (never nil), so
// a catalog entry can be extended without touching the cached one.
func CloneFields(m map[string]store.FieldInfo) map[string]store.FieldInfo {
	c := make(map[string]store.FieldInfo, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// Schema returns a model's schema with its features and tags in index order.
func Schema(name string, embeddingDim int, features, tags map[string]store.FieldInfo) *store.ModelSchema {
	s := &store.ModelSchema{Name: name, EmbeddingDim: embeddingDim}
	for _, f := range features {
		s.Features = append(s.Features, f)
	}
	for _, f := range tags {
		s.Tags = append(s.Tags, f)
	}
	sort.Slice(s.Features, func(i, j int) bool { return s.Features[i].Index < s.Features[j].Index })
	sort.Slice(s.Tags, func(i, j int) bool { return s.Tags[i].Index < s.Tags[j].Index })
	return s
}

// ParseKind reads a field kind as the catalogs store it; anything else is
// store.Missing.
func ParseKind(s string) store.Kind {
	switch s {
	case "numeric":
		return store.Numeric
	case "categorical":
		return store.Categorical
	}
	return store.Missing
}
