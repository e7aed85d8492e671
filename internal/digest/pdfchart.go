package digest

import (
	"math"

	"codeberg.org/go-pdf/fpdf"

	"github.com/parse-dmarc/parse-dmarc/internal/textfmt"
)

// The charts are drawn with fpdf's lines, rectangles and circles: a plot
// area with a value axis on the left and the buckets' dates below, the
// period reported on shaded.

// Space of a chart's title, value axis and date axis, in millimetres.
const (
	chartTitleH = 7.0
	chartAxisW  = 14.0
	chartDatesH = 6.0
)

// plot is the drawing area of a chart and its buckets.
type plot struct {
	x, y, w, h float64
	n          int
}

// bucketX is the middle of bucket i.
func (pl plot) bucketX(i int) float64 { return pl.x + (float64(i)+0.5)*pl.w/float64(pl.n) }

// valueY is the height of v on an axis from lo to hi.
func (pl plot) valueY(v, lo, hi float64) float64 { return pl.y + pl.h - (v-lo)/(hi-lo)*pl.h }

// frame draws a chart's title, its shaded period and its date labels, and
// returns its plot area.
func (p *pdfDoc) frame(x, y, w, h float64, title string) plot {
	pts := p.d.Chart.Points
	p.font("B", 9.5)
	p.text(ink)
	p.SetXY(x, y)
	p.CellFormat(w, chartTitleH-1, title, "", 0, "L", false, 0, "")
	pl := plot{x: x + chartAxisW, y: y + chartTitleH, w: w - chartAxisW, h: h - chartTitleH - chartDatesH, n: len(pts)}
	// The period's buckets, shaded, with its name.
	first, last := -1, -1
	for i, pt := range pts {
		if pt.InPeriod {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first >= 0 {
		bw := pl.w / float64(pl.n)
		p.fill(rgb{232, 240, 250})
		p.Rect(pl.x+float64(first)*bw, pl.y, float64(last-first+1)*bw, pl.h, "F")
	}
	// Dates: about eight labels.
	step := max(1, int(math.Ceil(float64(pl.n)/8)))
	p.font("", 7)
	p.text(grey)
	for i := 0; i < pl.n; i += step {
		p.SetXY(pl.bucketX(i)-10, pl.y+pl.h+1)
		p.CellFormat(20, 4, pts[i].Start.Format("2 Jan"), "", 0, "C", false, 0, "")
	}
	return pl
}

// gridline draws a horizontal line of the value axis at v with its label.
func (p *pdfDoc) gridline(pl plot, v, lo, hi float64, label string) {
	y := pl.valueY(v, lo, hi)
	p.draw(rule)
	p.SetLineWidth(0.15)
	p.Line(pl.x, y, pl.x+pl.w, y)
	p.font("", 7)
	p.text(grey)
	p.SetXY(pl.x-chartAxisW, y-2)
	p.CellFormat(chartAxisW-1.5, 4, label, "", 0, "R", false, 0, "")
}

// rateChart draws the DMARC pass rate per bucket as a line, with the
// period's rate as a dashed line over it.
func (p *pdfDoc) rateChart(x, y, w, h float64) {
	d := p.d
	pl := p.frame(x, y, w, h, "DMARC pass rate per "+d.Chart.Bucket)
	lo := 100.0
	for _, pt := range d.Chart.Points {
		if pt.Passing+pt.Failing > 0 {
			lo = min(lo, pt.PassRate)
		}
	}
	// The axis starts at a multiple of 5 below the lowest rate, so small
	// changes show, and never hides the bottom of a bad day.
	lo = max(0, math.Floor((lo-2)/5)*5)
	if lo > 90 {
		lo = 90
	}
	hi := 100.0
	ticks := 4
	for i := 0; i <= ticks; i++ {
		v := lo + (hi-lo)*float64(i)/float64(ticks)
		p.gridline(pl, v, lo, hi, pct(v))
	}
	// The period's rate.
	if d.Headline.Messages > 0 {
		yv := pl.valueY(d.Headline.PassRate, lo, hi)
		p.draw(navy)
		p.SetLineWidth(0.3)
		p.SetDashPattern([]float64{1.2, 1}, 0)
		p.Line(pl.x, yv, pl.x+pl.w, yv)
		// Its legend, in the title's line.
		label := "period: " + pct(d.Headline.PassRate)
		p.font("", 7.5)
		lw := p.GetStringWidth(label)
		p.Line(x+w-lw-9, y+3, x+w-lw-3, y+3)
		p.text(grey)
		p.SetXY(x+w-lw-2, y)
		p.CellFormat(lw+2, 6, label, "", 0, "L", false, 0, "")
		p.SetDashPattern(nil, 0)
	}
	// The line, broken where a bucket has no mail.
	p.draw(navy)
	p.SetLineWidth(0.6)
	p.SetLineJoinStyle("round")
	var prev *fpdf.PointType
	for i, pt := range d.Chart.Points {
		if pt.Passing+pt.Failing == 0 {
			prev = nil
			continue
		}
		cur := fpdf.PointType{X: pl.bucketX(i), Y: pl.valueY(pt.PassRate, lo, hi)}
		if prev != nil {
			p.Line(prev.X, prev.Y, cur.X, cur.Y)
		}
		prev = &cur
	}
	for i, pt := range d.Chart.Points {
		if pt.Passing+pt.Failing == 0 {
			continue
		}
		c := hex(rateColor(pt.PassRate))
		p.fill(c)
		p.draw(rgb{255, 255, 255})
		p.SetLineWidth(0.2)
		p.Circle(pl.bucketX(i), pl.valueY(pt.PassRate, lo, hi), min(1.1, pl.w/float64(pl.n)/3), "FD")
	}
	p.SetLineWidth(0.2)
	p.text(ink)
}

// volumeChart draws the passing and failing messages per bucket as
// stacked bars.
func (p *pdfDoc) volumeChart(x, y, w, h float64) {
	d := p.d
	pl := p.frame(x, y, w, h, "Messages per "+d.Chart.Bucket+": passing and failing DMARC")
	// Legend, top right.
	p.font("", 7.5)
	lx := x + w
	for _, l := range []struct {
		name string
		c    rgb
	}{{"failing", failRed}, {"passing", passGreen}} {
		tw := p.GetStringWidth(l.name)
		lx -= tw + 7
		p.fill(l.c)
		p.Rect(lx, y+1.3, 3, 3, "F")
		p.text(grey)
		p.SetXY(lx+3.5, y)
		p.CellFormat(tw+1, 5.6, l.name, "", 0, "L", false, 0, "")
	}
	var top int64
	for _, pt := range d.Chart.Points {
		top = max(top, pt.Passing+pt.Failing)
	}
	hi := niceCeil(float64(top))
	ticks := 4
	for i := 0; i <= ticks; i++ {
		v := hi * float64(i) / float64(ticks)
		p.gridline(pl, v, 0, hi, shortCount(v))
	}
	bw := pl.w / float64(pl.n)
	gap := min(bw*0.25, 1.5)
	for i, pt := range d.Chart.Points {
		if pt.Passing+pt.Failing == 0 {
			continue
		}
		bx := pl.x + float64(i)*bw + gap/2
		yPass := pl.valueY(float64(pt.Passing), 0, hi)
		yAll := pl.valueY(float64(pt.Passing+pt.Failing), 0, hi)
		p.fill(passGreen)
		if !pt.InPeriod {
			p.fill(rgb{134, 205, 160})
		}
		p.Rect(bx, yPass, bw-gap, pl.y+pl.h-yPass, "F")
		p.fill(failRed)
		if !pt.InPeriod {
			p.fill(rgb{238, 150, 150})
		}
		p.Rect(bx, yAll, bw-gap, yPass-yAll, "F")
	}
	p.draw(grey)
	p.SetLineWidth(0.2)
	p.Line(pl.x, pl.y+pl.h, pl.x+pl.w, pl.y+pl.h)
	p.text(ink)
}

// niceCeil is the smallest of 1, 2, 2.5 or 5 times a power of ten that
// is at least v (at least 10), for the top of a volume axis.
func niceCeil(v float64) float64 {
	if v <= 10 {
		return 10
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// shortCount writes an axis count: 750, 7.5k, 1.2M.
func shortCount(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(v/1e6) + "M"
	case v >= 1e4:
		return trimZero(v/1e3) + "k"
	}
	return textfmt.Int(int64(v))
}

func trimZero(v float64) string {
	s := pct(v)
	return s[:len(s)-1]
}
