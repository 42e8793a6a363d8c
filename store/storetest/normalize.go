package storetest

import "reflect"

// nilEmpty returns a copy of v in which every empty slice and map, in v
// itself or in the exported fields, elements and map values below it, is
// nil; what a pointer or an interface holds is left as it is.
//
// The contract does not say whether an empty slice or map comes back as
// nil or as an empty value; SQL stores commonly give one where the caller
// wrote the other. The suite treats the two as the same: it applies
// nilEmpty to both sides of a comparison wherever a record holds empty
// collections. Records compared without it are written with non-empty
// collections only.
func nilEmpty[T any](v T) T {
	return nilEmptyValue(reflect.ValueOf(&v).Elem()).Interface().(T)
}

// nilEmptyValue is nilEmpty of a reflected value; it builds new slices,
// maps and structs and never changes v.
func nilEmptyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(nilEmptyValue(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), nilEmptyValue(it.Value()))
		}
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range out.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(nilEmptyValue(v.Field(i)))
			}
		}
		return out
	default:
		return v
	}
}
