// Package server is the HTTP side of parse-dmarc serve: the REST API under
// /api/v1 (documented by the OpenAPI file it serves at /api/v1/openapi.json),
// report uploads through the same importer as every other source, the
// health endpoints and the Prometheus metrics.
//
// It is a small, boring layer over the store: handlers decode the request,
// call the store or the importer, and encode JSON. Errors are JSON objects
// {"error": {"code", "message"}} with the matching status code.
package server
