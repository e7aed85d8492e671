package server

import "net/http"

// beforePage reads the limit (1 to 500, default 50) and before (the id a
// page ends before, 0 for the first) of the lists paged by id, the last
// stored first, answering 400 itself on a bad value.
func beforePage(w http.ResponseWriter, r *http.Request) (limit int, before int64, ok bool) {
	limit, ok = intParam(w, r, "limit", 1, 500, 50)
	if !ok {
		return 0, 0, false
	}
	b, ok := intParam(w, r, "before", 0, 1<<62, 0)
	return limit, int64(b), ok
}

// cutPage cuts a list read with limit+1 rows to limit and returns the
// cursor of the next page: the id of its last row, 0 when it was the
// last page.
func cutPage[T any](list []T, limit int, id func(*T) int64) ([]T, int64) {
	if len(list) <= limit {
		return list, 0
	}
	return list[:limit], id(&list[limit-1])
}
