package digest

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// Page geometry of the PDF, in millimetres (A4 portrait).
const (
	pageW    = 210.0
	pageH    = 297.0
	margin   = 15.0
	contentW = pageW - 2*margin
	footerH  = 12.0
)

// The PDF's font family: the Go fonts, embedded as TrueType with the
// glyphs used (fpdf subsets UTF-8 fonts).
const fontFamily = "go"

// rgb is a colour of the PDF.
type rgb struct{ r, g, b int }

// hex reads "#rrggbb".
func hex(s string) rgb {
	v, _ := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	return rgb{int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)}
}

var (
	navy      = rgb{30, 58, 95}
	navyLight = rgb{219, 231, 245}
	ink       = rgb{17, 24, 39}
	grey      = rgb{107, 114, 128}
	rule      = rgb{229, 231, 235}
	panel     = rgb{249, 250, 251}
	passGreen = rgb{34, 160, 90}
	failRed   = rgb{220, 60, 60}
)

// pdfDoc is a PDF being written.
type pdfDoc struct {
	*fpdf.Fpdf
	d *Digest
}

func (p *pdfDoc) text(c rgb)                      { p.SetTextColor(c.r, c.g, c.b) }
func (p *pdfDoc) fill(c rgb)                      { p.SetFillColor(c.r, c.g, c.b) }
func (p *pdfDoc) draw(c rgb)                      { p.SetDrawColor(c.r, c.g, c.b) }
func (p *pdfDoc) font(style string, size float64) { p.SetFont(fontFamily, style, size) }

// WritePDF writes d as a PDF report: a header with the period and
// domains, the KPI tiles, the compliance line chart and the pass and fail
// volume bars, the notable events, the domain table, the top issues with
// their fix, the sources and the DNS records, with page numbers. The
// document's dates are d.Made, so the same digest gives the same bytes.
func WritePDF(w io.Writer, d *Digest) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCreationDate(d.Made)
	f.SetModificationDate(d.Made)
	f.SetCatalogSort(true)
	f.SetTitle(d.Title+": "+d.Kind.Label(d.Period), true)
	f.SetAuthor("Parse DMARC", true)
	f.SetCreator("Parse DMARC", true)
	f.AddUTF8FontFromBytes(fontFamily, "", goregular.TTF)
	f.AddUTF8FontFromBytes(fontFamily, "B", gobold.TTF)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin+footerH)
	f.AliasNbPages("{nb}")
	p := &pdfDoc{Fpdf: f, d: d}
	f.SetFooterFunc(p.footer)
	f.AddPage()
	p.header()
	for _, s := range d.Sections {
		switch s {
		case SectionSummary:
			p.summary()
		case SectionDomains:
			p.domains()
		case SectionIssues:
			p.issues()
		case SectionSources:
			p.sources()
		case SectionDNS:
			p.dns()
		}
	}
	p.notes()
	if err := f.Error(); err != nil {
		return fmt.Errorf("PDF of the digest: %w", err)
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("PDF of the digest: %w", err)
	}
	return nil
}

// header draws the band at the top of the first page.
func (p *pdfDoc) header() {
	d := p.d
	p.fill(navy)
	p.Rect(0, 0, pageW, 42, "F")
	p.SetXY(margin, 10)
	p.text(navyLight)
	p.font("B", 9)
	p.CellFormat(contentW/2, 5, "PARSE DMARC", "", 0, "L", false, 0, "")
	p.font("", 9)
	p.CellFormat(contentW/2, 5, "Generated "+d.Made.Format("2 January 2006 15:04")+" UTC", "", 1, "R", false, 0, "")
	p.SetX(margin)
	p.text(rgb{255, 255, 255})
	p.font("B", 20)
	p.CellFormat(contentW, 11, d.Title, "", 1, "L", false, 0, "")
	p.SetX(margin)
	p.text(navyLight)
	p.font("", 11)
	p.CellFormat(contentW, 6, d.Kind.Label(d.Period)+"  ·  "+d.scope(), "", 1, "L", false, 0, "")
	p.SetY(48)
	p.text(ink)
	p.font("", 11)
	p.MultiCell(contentW, 5.5, d.lead(), "", "L", false)
	p.Ln(1)
	p.font("B", 11)
	if d.attention() == "Nothing needs attention." {
		p.text(hex(colorGood))
	} else {
		p.text(rgb{154, 52, 18})
	}
	p.MultiCell(contentW, 5.5, d.attention(), "", "L", false)
	p.text(ink)
	p.Ln(3)
}

// footer draws the page's footer: the report and its page number.
func (p *pdfDoc) footer() {
	p.SetY(-margin)
	p.draw(rule)
	p.SetLineWidth(0.2)
	p.Line(margin, pageH-margin-1, pageW-margin, pageH-margin-1)
	p.font("", 8)
	p.text(grey)
	p.CellFormat(contentW*0.75, 5, "Parse DMARC  ·  "+p.d.Title+"  ·  "+p.d.Kind.Label(p.d.Period), "", 0, "L", false, 0, "")
	p.CellFormat(contentW*0.25, 5, fmt.Sprintf("Page %d of {nb}", p.PageNo()), "", 0, "R", false, 0, "")
}

// section starts a section with its heading, on a new page when less
// than need millimetres are left.
func (p *pdfDoc) section(title string, need float64) {
	if p.GetY()+need+12 > pageH-margin-footerH {
		p.AddPage()
	}
	p.Ln(3)
	p.font("B", 12)
	p.text(navy)
	p.CellFormat(contentW, 7, strings.ToUpper(title), "", 1, "L", false, 0, "")
	p.draw(navy)
	p.SetLineWidth(0.6)
	p.Line(margin, p.GetY(), pageW-margin, p.GetY())
	p.SetLineWidth(0.2)
	p.Ln(3)
	p.text(ink)
}

// ensure starts a new page when less than need millimetres are left.
func (p *pdfDoc) ensure(need float64) {
	if p.GetY()+need > pageH-margin-footerH {
		p.AddPage()
	}
}

// summary draws the KPI tiles, the charts and the notable events.
func (p *pdfDoc) summary() {
	d := p.d
	p.section("Summary", 100)
	p.tiles()
	if d.Headline.Messages+d.Headline.PrevMessages > 0 {
		p.ensure(55)
		p.rateChart(margin, p.GetY(), contentW, 52)
		p.SetY(p.GetY() + 55)
		p.ensure(48)
		p.volumeChart(margin, p.GetY(), contentW, 46)
		p.SetY(p.GetY() + 49)
	}
	p.ensure(20)
	p.font("B", 11)
	p.CellFormat(contentW, 7, "Notable events", "", 1, "L", false, 0, "")
	if len(d.Events) == 0 {
		p.muted("None: no anomaly alerted, no new source stood out and no DNS record got worse.")
	}
	for _, e := range d.Events {
		p.ensure(10)
		y := p.GetY()
		c := map[string]string{"high": colorBad, "medium": colorWarn}[e.Severity]
		if c == "" {
			c = "#6b7280"
		}
		p.fill(hex(c))
		p.RoundedRect(margin, y+1, 16, 4, 1, "1234", "F")
		p.font("B", 7)
		p.text(rgb{255, 255, 255})
		p.SetXY(margin, y+1)
		p.CellFormat(16, 4, strings.ToUpper(e.Severity), "", 0, "C", false, 0, "")
		p.text(grey)
		p.font("", 9)
		p.SetXY(margin+18, y)
		p.CellFormat(20, 6, day(e.Day), "", 0, "L", false, 0, "")
		p.text(ink)
		p.SetXY(margin+38, y)
		p.font("B", 9)
		p.Write(6, e.Domain+": ")
		p.font("", 9)
		p.SetLeftMargin(margin + 38)
		p.Write(6, e.Text)
		p.SetLeftMargin(margin)
		p.Ln(7)
	}
}

// muted writes a grey paragraph.
func (p *pdfDoc) muted(s string) {
	p.font("", 9)
	p.text(grey)
	p.MultiCell(contentW, 5, s, "", "L", false)
	p.text(ink)
}

// tiles draws the KPI tiles in a row.
func (p *pdfDoc) tiles() {
	ts := p.d.tiles()
	gap := 4.0
	w := (contentW - gap*float64(len(ts)-1)) / float64(len(ts))
	y := p.GetY()
	for i, t := range ts {
		x := margin + float64(i)*(w+gap)
		p.fill(panel)
		p.draw(rule)
		p.RoundedRect(x, y, w, 26, 2, "1234", "FD")
		p.SetXY(x+3, y+3)
		p.font("", 7.5)
		p.text(grey)
		p.CellFormat(w-6, 4, strings.ToUpper(t.Label), "", 2, "L", false, 0, "")
		p.SetX(x + 3)
		p.font("B", 17)
		p.text(hex(t.Color))
		p.CellFormat(w-6, 9, t.Value, "", 2, "L", false, 0, "")
		p.SetX(x + 3)
		p.font("", 7.5)
		p.text(grey)
		p.CellFormat(w-6, 4, fit(p, t.Note, w-6), "", 0, "L", false, 0, "")
	}
	p.text(ink)
	p.SetY(y + 31)
}

// fit shortens s with an ellipsis until it is at most w wide.
func fit(p *pdfDoc, s string, w float64) string {
	if p.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && p.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// domains draws the domain table.
func (p *pdfDoc) domains() {
	d := p.d
	p.section("Domains", 30)
	if len(d.DomainRows) == 0 {
		p.muted("No mail in the period.")
		return
	}
	cols := []struct {
		title string
		w     float64
		align string
	}{{"Domain", 52, "L"}, {"Messages", 24, "R"}, {"Pass rate", 20, "R"}, {"Change", 16, "R"}, {"Score", 22, "R"}, {"Policy", 46, "L"}}
	head := func() {
		p.fill(rgb{243, 244, 246})
		p.font("B", 8.5)
		p.text(grey)
		for _, c := range cols {
			p.CellFormat(c.w, 7, c.title, "", 0, c.align, true, 0, "")
		}
		p.Ln(-1)
	}
	head()
	for i, r := range d.DomainRows {
		if p.GetY()+7 > pageH-margin-footerH {
			p.AddPage()
			head()
		}
		if i%2 == 1 {
			p.fill(panel)
		} else {
			p.fill(rgb{255, 255, 255})
		}
		p.font("", 9)
		p.text(ink)
		p.CellFormat(cols[0].w, 7, fit(p, r.Domain, cols[0].w-1), "", 0, "L", true, 0, "")
		p.CellFormat(cols[1].w, 7, textfmt.Int(r.Messages), "", 0, "R", true, 0, "")
		p.font("B", 9)
		p.text(hex(rateColor(r.PassRate)))
		p.CellFormat(cols[2].w, 7, pct(r.PassRate), "", 0, "R", true, 0, "")
		p.font("", 9)
		p.text(ink)
		p.CellFormat(cols[3].w, 7, r.changeText(), "", 0, "R", true, 0, "")
		p.CellFormat(cols[4].w, 7, r.scoreText(), "", 0, "R", true, 0, "")
		p.CellFormat(cols[5].w, 7, "  "+fit(p, r.policyText(), cols[5].w-3), "", 1, "L", true, 0, "")
	}
	p.font("", 7.5)
	p.text(grey)
	p.MultiCell(contentW, 4, "Change: points of DMARC pass rate against "+d.Kind.previousName()+". Score: the compliance health score (0-100, grade A-F) of DMARC, SPF and DKIM pass rates and the policy's strength.", "", "L", false)
	p.text(ink)
}

// issues draws the top issues with their fix.
func (p *pdfDoc) issues() {
	d := p.d
	p.section("Top issues to act on", 25)
	if len(d.Issues) == 0 {
		p.muted("No legitimate sender is failing DMARC.")
		return
	}
	for i, is := range d.Issues {
		p.ensure(18)
		y := p.GetY()
		p.fill(navy)
		p.Circle(margin+3, y+3, 3, "F")
		p.font("B", 9)
		p.text(rgb{255, 255, 255})
		p.SetXY(margin, y)
		p.CellFormat(6, 6, strconv.Itoa(i+1), "", 0, "C", false, 0, "")
		p.text(ink)
		p.SetXY(margin+9, y)
		p.font("B", 10)
		p.CellFormat(contentW-9, 6, is.Domain+": "+is.who(), "", 1, "L", false, 0, "")
		p.SetX(margin + 9)
		p.font("", 9)
		p.text(hex(colorBad))
		p.CellFormat(contentW-9, 5, is.failingText()+" DMARC", "", 1, "L", false, 0, "")
		p.text(ink)
		p.SetX(margin + 9)
		p.font("B", 9)
		p.text(hex(colorGood))
		p.CellFormat(8, 5, "Fix:", "", 0, "L", false, 0, "")
		p.font("", 9)
		p.text(ink)
		p.MultiCell(contentW-17, 5, is.Fix, "", "L", false)
		p.Ln(2)
	}
}

// sources draws the top and new sources.
func (p *pdfDoc) sources() {
	d := p.d
	p.section("Sources", 30)
	for _, l := range []sourceList{{"Top sources", d.TopSources}, {"New sources", d.NewSources}} {
		p.ensure(20)
		p.font("B", 10)
		p.CellFormat(contentW, 7, l.Title, "", 1, "L", false, 0, "")
		if len(l.Sources) == 0 {
			p.muted("None.")
			continue
		}
		for i, s := range l.Sources {
			p.ensure(6)
			if i%2 == 1 {
				p.fill(panel)
			} else {
				p.fill(rgb{255, 255, 255})
			}
			p.font("", 9)
			p.CellFormat(62, 6, fit(p, s.IP, 61), "", 0, "L", true, 0, "")
			p.CellFormat(52, 6, fit(p, s.Domain, 51), "", 0, "L", true, 0, "")
			p.CellFormat(24, 6, textfmt.Int(s.Messages), "", 0, "R", true, 0, "")
			p.text(hex(rateColor(s.PassRate)))
			p.CellFormat(18, 6, pct(s.PassRate), "", 0, "R", true, 0, "")
			p.text(grey)
			p.CellFormat(24, 6, "  "+s.Class, "", 1, "L", true, 0, "")
			p.text(ink)
		}
		p.Ln(2)
	}
}

// dns draws each domain's DNS status and changes.
func (p *pdfDoc) dns() {
	d := p.d
	p.section("DNS records", 25)
	if len(d.DNS) == 0 {
		p.muted("No DNS checks are stored.")
		return
	}
	for _, dd := range d.DNS {
		p.ensure(14)
		y := p.GetY()
		p.font("B", 10)
		p.CellFormat(p.GetStringWidth(dd.Domain)+3, 6, dd.Domain, "", 0, "L", false, 0, "")
		c := map[string]string{"ok": colorGood, "warning": colorWarn}[dd.Status]
		if c == "" {
			c = colorBad
		}
		x := p.GetX()
		p.fill(hex(c))
		p.RoundedRect(x, y+1, 16, 4, 1, "1234", "F")
		p.font("B", 7)
		p.text(rgb{255, 255, 255})
		p.CellFormat(16, 6, strings.ToUpper(dd.Status), "", 0, "C", false, 0, "")
		p.text(grey)
		p.font("", 8.5)
		p.CellFormat(0, 6, "   checked "+dd.CheckedAt.Format("2 Jan 2006 15:04")+" UTC", "", 1, "L", false, 0, "")
		p.text(ink)
		p.font("", 9)
		p.MultiCell(contentW, 5, strings.Join(dd.Records, "  ·  "), "", "L", false)
		for _, ch := range dd.Changes {
			p.ensure(6)
			p.SetX(margin + 4)
			if ch.Regression {
				p.text(rgb{154, 52, 18})
			}
			p.MultiCell(contentW-4, 5, day(ch.At)+": "+ch.Text, "", "L", false)
			p.text(ink)
		}
		p.Ln(2)
	}
}

// notes writes the notes at the end.
func (p *pdfDoc) notes() {
	if len(p.d.Notes) == 0 {
		return
	}
	p.ensure(15)
	p.Ln(4)
	p.font("B", 9)
	p.text(grey)
	p.CellFormat(contentW, 5, "Notes", "", 1, "L", false, 0, "")
	for _, n := range p.d.Notes {
		p.muted(n)
	}
}
