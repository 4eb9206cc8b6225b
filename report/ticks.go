package report

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks puts about five labelled ticks at multiples of 1, 2, 2.5 or 5
// times a power of ten, labelled with as few decimals as the step needs.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	step, dec := niceStep((hi - lo) / 5)
	var out []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); ; i++ {
		v := i * step
		if v > hi+step*1e-9 {
			break
		}
		if v == 0 {
			v = 0 // no "-0"
		}
		out = append(out, plot.Tick{Value: v, Label: tickLabel(v, dec)})
	}
	return out
}

// niceStep rounds raw up to 1, 2, 2.5 or 5 times a power of ten and
// returns the decimals its labels need.
func niceStep(raw float64) (float64, int) {
	mag := math.Floor(math.Log10(raw))
	base := math.Pow(10, mag)
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*base >= raw*(1-1e-9) {
			dec := max(0, int(-mag))
			if m == 2.5 && mag <= 0 {
				dec++ // 2.5, 0.25: one more decimal than 2 or 0.2
			}
			if m == 10 {
				dec = max(0, dec-1)
			}
			return m * base, dec
		}
	}
	return 10 * base, max(0, int(-mag)-1)
}

// tickLabel formats v with dec decimals (large values without them).
func tickLabel(v float64, dec int) string {
	if math.Abs(v) >= 1e7 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}
