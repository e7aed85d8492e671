package server

import (
	_ "embed"
	"net/http"
)

// openapiJSON documents the API (OpenAPI 3.0). A test checks that every
// route the server has is in it.
//
//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openapiJSON)
}
