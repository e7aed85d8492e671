package normalize

import (
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
)

// Input formats of parse_metadata.input_format.
const (
	FormatAggregate = "aggregate"
	FormatForensic  = "forensic"
)

// ParseMetadata is the protocol's parse_metadata object. Source and SHA256
// are additions: where the report was found, and the digest of its XML.
type ParseMetadata struct {
	ParserVersion      string              `json:"parser_version"`
	ParsedAt           time.Time           `json:"parsed_at"`
	InputFormat        string              `json:"input_format"`
	ValidationStatus   string              `json:"validation_status"`
	ValidationMessages []aggregate.Message `json:"validation_messages"`
	Source             string              `json:"source,omitempty"`
	SHA256             string              `json:"sha256,omitempty"`
}

// Trends is the protocol's trends object. One report has no history, so a
// single report's trends are empty; cross-report trends come from the store.
type Trends struct{}

// errorDocument is what is written for an input with no readable report:
// the protocol's shape with the fatal error in validation_messages and no
// report.
type errorDocument struct {
	ParseMetadata   ParseMetadata             `json:"parse_metadata"`
	Report          *struct{}                 `json:"report"`
	RiskIndicators  *analysis.RiskIndicators  `json:"risk_indicators"`
	Recommendations []analysis.Recommendation `json:"recommendations"`
}
