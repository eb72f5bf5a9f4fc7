package models

import (
	"fmt"
	"strings"

	"github.com/vigil-mlobs/vigil/pkg/store"
)

// ParseField reads a field reference: features.NAME (or a bare NAME), tags.NAME,
// prediction.label, prediction.score, prediction.value, actual.label,
// actual.value, version, environment.
func ParseField(ref string) (store.Column, error) {
	switch ref {
	case "":
		return store.Column{}, fmt.Errorf("empty field reference")
	case "version":
		return store.Column{Kind: store.ColVersion}, nil
	case "environment":
		return store.Column{Kind: store.ColEnvironment}, nil
	case "prediction.label":
		return store.Column{Kind: store.ColPredLabel}, nil
	case "prediction.score":
		return store.Column{Kind: store.ColPredScore}, nil
	case "prediction.value":
		return store.Column{Kind: store.ColPredValue}, nil
	case "actual.label":
		return store.Column{Kind: store.ColActualLabel}, nil
	case "actual.value":
		return store.Column{Kind: store.ColActualValue}, nil
	}
	if name, ok := strings.CutPrefix(ref, "features."); ok && name != "" {
		return store.Column{Kind: store.ColFeature, Name: name}, nil
	}
	if name, ok := strings.CutPrefix(ref, "tags."); ok && name != "" {
		return store.Column{Kind: store.ColTag, Name: name}, nil
	}
	if strings.HasPrefix(ref, "prediction.") || strings.HasPrefix(ref, "actual.") {
		return store.Column{}, fmt.Errorf("%q is not a field; use prediction.label, prediction.score, prediction.value, actual.label or actual.value", ref)
	}
	if strings.HasPrefix(ref, "features.") || strings.HasPrefix(ref, "tags.") {
		return store.Column{}, fmt.Errorf("%q names no feature or tag", ref)
	}
	return store.Column{Kind: store.ColFeature, Name: ref}, nil
}
