package sqlbuild

import (
	"errors"
	"testing"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

func TestCatalogHelpers(t *testing.T) {
	for _, c := range []struct {
		f    store.FieldInfo
		want string
	}{
		{store.FieldInfo{Name: "age", Kind: store.FieldFeature, Index: 3}, "f_3"},
		{store.FieldInfo{Name: "region", Kind: store.FieldTag, Index: 0}, "t_0"},
	} {
		if got := FieldColumn(c.f); got != c.want {
			t.Errorf("FieldColumn(%+v) = %s, want %s", c.f, got, c.want)
		}
	}
	for s, want := range map[string]store.Kind{"numeric": store.Numeric, "categorical": store.Categorical, "bogus": store.Missing} {
		if got := ParseKind(s); got != want {
			t.Errorf("ParseKind(%q) = %v, want %v", s, got, want)
		}
	}
	feats := map[string]store.FieldInfo{"b": {Name: "b", Index: 1}, "a": {Name: "a", Index: 0}, "c": {Name: "c", Index: 2}}
	tags := map[string]store.FieldInfo{"y": {Name: "y", Kind: store.FieldTag, Index: 1}, "x": {Name: "x", Kind: store.FieldTag, Index: 0}}
	s := Schema("m", 4, feats, tags)
	if s.Name != "m" || s.EmbeddingDim != 4 || len(s.Features) != 3 || len(s.Tags) != 2 {
		t.Fatalf("schema %+v", s)
	}
	for i, f := range s.Features {
		if f.Index != i {
			t.Errorf("features not in index order: %+v", s.Features)
		}
	}
	if s.Tags[0].Name != "x" || s.Tags[1].Name != "y" {
		t.Errorf("tags not in index order: %+v", s.Tags)
	}
	c := CloneFields(nil)
	c["z"] = store.FieldInfo{Name: "z"} // a clone of nothing can still be extended
	c2 := CloneFields(feats)
	c2["d"] = store.FieldInfo{Name: "d"}
	if len(feats) != 3 {
		t.Error("CloneFields shares the map")
	}
}

func TestCheckSample(t *testing.T) {
	for _, c := range []struct {
		name string
		dim  int
		req  store.SampleRequest
		ok   bool
	}{
		{"limit", 0, store.SampleRequest{Limit: 5}, true},
		{"zero limit", 0, store.SampleRequest{Limit: 0}, false},
		{"negative limit", 3, store.SampleRequest{Limit: -1}, false},
		{"embeddings", 3, store.SampleRequest{Limit: 5, Embeddings: true}, true},
		{"no embeddings", 0, store.SampleRequest{Limit: 5, Embeddings: true}, false},
	} {
		err := CheckSample("m", c.dim, c.req)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.name, err)
		}
	}
	if err := CheckSample("m", 0, store.SampleRequest{Limit: 1, Embeddings: true}); !errors.Is(err, store.ErrNoEmbeddings) {
		t.Errorf("want ErrNoEmbeddings, got %v", err)
	}
}
