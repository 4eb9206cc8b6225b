package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/economics/security"
	"github.com/stakesim/stakesim/scenarios"
)

const restakingDescription = `Analyzes a restaking graph file: operators with stake, services (AVSs) with a
profit from corruption and a corruption threshold α, and which operator's
stake backs which service (see the README's "Restaking" section, and
examples/restaking/ for three graphs).

  stakesim restaking analyze GRAPH.yaml [--check] [--json] [--max-exact-operators N] [--max-exact-services N]
  stakesim restaking cascade GRAPH.yaml (--shock F | --remove ID,ID...) [--check] [--order cheapest|worst] [--json] [--max-exact-operators N] [--max-exact-services N]

analyze: whether a valid attack exists (a coalition B of operators and a set
A of services such that B holds at least α_s of the stake backing every s in
A, and the profit π(A) exceeds the stake B would lose), the worst attack
(largest profit minus cost), the γ-slack (the largest γ with
(1 + γ)·π(A) <= cost for every coalition that can corrupt A), and
EigenLayer's per-operator sufficient condition.

cascade: removes the named operators (--remove), or the worst set of
operators holding at most a fraction F of the stake (--shock), then lets
every valid attack happen and removes the attackers, round after round,
until none remains. Each round executes one attack: by default the
cheapest (the one whose coalition risks the least stake), so that small
coalitions strike first and the rounds show how far the cascade spreads;
with --order worst the most profitable one, after which no valid attack
can remain (exact cascades then have at most one round).

Both are exact for small graphs (--max-exact-operators and
--max-exact-services bound the exhaustive search); beyond that a heuristic
is used and labelled as such: it never reports "secure" without a proof.
The flags may come before or after GRAPH.yaml.

--check makes either subcommand a gate: it prints the usual output, then
exits 1 unless the graph is proved secure (analyze: verdict SECURE;
cascade: an exact cascade that compromised no service), with a
"restaking graph is insecure: ..." or "... is not proved secure: ..."
message on stderr. Exit 2 stays bad input.`

// restakingCommand is "stakesim restaking" with its subcommands analyze and
// cascade.
//
// flagsFirst (main.go) moves the flags of a command line before a "--" and
// its positional arguments after it, knowing only top-level commands'
// flags: "restaking analyze g.yaml --json" reaches this command as
// "restaking --json -- analyze g.yaml". So restaking takes its arguments
// unparsed and runs the subcommand named by the first positional argument
// with the flags and the remaining arguments; it declares the union of its
// subcommands' flags only so that flagsFirst keeps each flag's value with
// it. Each subcommand then parses (and rejects) flags as its own.
func restakingCommand(stdout io.Writer) *cli.Command {
	subs := []*cli.Command{restakingAnalyzeCommand(stdout), restakingCascadeCommand(stdout)}
	for _, s := range subs {
		s.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return badInput(err) }
	}
	return &cli.Command{
		Name:            "restaking",
		Usage:           "analyze a restaking graph: profitable attacks, γ-slack, slashing cascades",
		ArgsUsage:       "analyze|cascade GRAPH.yaml [flags]",
		Description:     restakingDescription,
		SkipFlagParsing: true,
		HideHelpCommand: true,
		Flags:           restakingFlags(""),
		Subcommands:     subs,
		Action:          runRestaking,
	}
}

// The --check flag's usage, per subcommand.
const (
	restakingCheckAnalyze = "after the usual output, exit 1 unless the graph is proved secure: " +
		"verdict INSECURE (a valid attack exists) or UNKNOWN (the heuristic found none but proved nothing); 0 when SECURE"
	restakingCheckCascade = "after the usual output, exit 1 when the graph is insecure after the shock: " +
		"the cascade executed a valid attack (a service was compromised), or, with none, it is not exact and proves nothing; " +
		"0 when it is exact and compromised no service (with --shock, judged on the worst-loss shock it reports)"
)

// restakingFlags returns the flags of subcommand sub, "analyze" or
// "cascade": those both share, plus cascade's own; "" gives the union,
// with both meanings of --check.
func restakingFlags(sub string) []cli.Flag {
	check := "analyze: " + restakingCheckAnalyze + "; cascade: " + restakingCheckCascade
	switch sub {
	case "analyze":
		check = restakingCheckAnalyze
	case "cascade":
		check = restakingCheckCascade
	}
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON object"},
		&cli.BoolFlag{Name: "check", Usage: check},
		&cli.IntFlag{Name: "max-exact-operators", Value: security.DefaultMaxExactOperators,
			Usage: "search every coalition only up to `N` full-stake operators (at most 30 are ever enumerated); beyond, EigenLayer's condition or a heuristic decides"},
		&cli.IntFlag{Name: "max-exact-services", Value: security.DefaultMaxExactServices,
			Usage: "search exactly only up to `N` services; beyond, EigenLayer's condition or a heuristic decides"},
	}
	if sub != "analyze" {
		flags = append(flags,
			&cli.StringFlag{Name: "shock", Usage: "cascade: first remove the worst set of operators holding at most a fraction `F` in [0, 1] of the stake"},
			&cli.StringFlag{Name: "remove", Usage: "cascade: first remove these operators (`ID,ID...`)"},
			&cli.IntFlag{Name: "max-exact-shock-operators", Value: security.DefaultMaxExactShockOperators,
				Usage: "cascade --shock: try every set of operators only up to `N` operators; beyond, the worst of a list of candidate shocks"},
			&cli.StringFlag{Name: "order", Value: security.OrderCheapest,
				Usage: "cascade: which valid attack each round executes, `cheapest|worst`: the one of least cost (its coalition risks the least stake), or the most profitable"},
		)
	}
	return flags
}

// runRestaking runs the subcommand named in c's arguments.
func runRestaking(c *cli.Context) error {
	args := c.Args().Slice()
	var flags, pos []string
	if i := slices.Index(args, "--"); i >= 0 {
		flags, pos = args[:i], args[i+1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, flags = args[:1], args[1:] // not reordered: NAME ARGS...
	} else {
		flags = args
	}
	if len(pos) == 0 {
		for _, f := range flags {
			if f == "-h" || f == "--help" || f == "-help" {
				return cli.ShowSubcommandHelp(c)
			}
		}
		if len(flags) == 0 {
			return cli.ShowSubcommandHelp(c)
		}
		return badInput(errors.New("restaking needs a subcommand: analyze or cascade (see stakesim restaking --help)"))
	}
	if pos[0] == "help" { // "restaking help [SUBCOMMAND]"
		if len(pos) == 1 {
			return cli.ShowSubcommandHelp(c)
		}
		if c.Command.Command(pos[1]) == nil {
			return badInput(fmt.Errorf("restaking: unknown subcommand %q (analyze or cascade)", pos[1]))
		}
		return cli.ShowCommandHelp(c, pos[1])
	}
	sub := c.Command.Command(pos[0])
	if sub == nil {
		return badInput(fmt.Errorf("restaking: unknown subcommand %q (analyze or cascade)", pos[0]))
	}
	subArgs := append([]string{sub.Name}, flags...)
	if len(pos) > 1 {
		subArgs = append(append(subArgs, "--"), pos[1:]...)
	}
	sc := cli.NewContext(c.App, nil, c)
	sc.Command = sub
	return sub.Run(sc, subArgs...)
}

func restakingAnalyzeCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "analyze",
		Usage:     "find profitable attacks, the worst one and the γ-slack of a restaking graph",
		ArgsUsage: "GRAPH.yaml",
		Description: `Prints whether any coalition of operators can corrupt a set of services
worth more than the stake it would lose (the verdict: SECURE, INSECURE, or
UNKNOWN when the heuristic found no attack but could not prove there is
none), the worst attack, the γ-slack and EigenLayer's per-operator
sufficient condition. Amounts are ETH, exact to the Gwei.`,
		Flags: restakingFlags("analyze"),
		Action: func(c *cli.Context) error {
			g, src, err := loadRestakingGraph(c, "analyze")
			if err != nil {
				return err
			}
			opts, err := restakingOptions(c)
			if err != nil {
				return err
			}
			a, err := security.Analyze(g, opts)
			if err != nil {
				return restakingError(err)
			}
			if c.Bool("json") {
				err = writeRestakingJSON(stdout, restakingAnalyzeJSON(src, g, a))
			} else {
				err = writeRestakingAnalysis(stdout, src, g, a)
			}
			if err != nil || !c.Bool("check") {
				return err
			}
			return checkRestakingAnalysis(a)
		},
	}
}

func restakingCascadeCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "cascade",
		Usage:     "shock a restaking graph and let the slashing cascade run",
		ArgsUsage: "GRAPH.yaml",
		Description: `Removes the operators named by --remove, or the worst set of operators
holding at most a fraction --shock of the stake (the worst in exact mode:
the one that leads to the largest total loss), then repeatedly lets every
valid attack happen and removes the attackers' slashed stake, until no
attack remains. Each round executes one attack, chosen by --order:
cheapest (the default; the attack of least cost, ties to the larger profit
minus cost) or worst (the most profitable). Prints the order, each round,
the services compromised and the stake lost, shock included. Exactly one
of --shock and --remove is required.`,
		Flags: restakingFlags("cascade"),
		Action: func(c *cli.Context) error {
			g, src, err := loadRestakingGraph(c, "cascade")
			if err != nil {
				return err
			}
			opts, err := restakingOptions(c)
			if err != nil {
				return err
			}
			shock, err := restakingShock(c, g)
			if err != nil {
				return err
			}
			res, err := security.Cascade(g, shock, opts)
			if err != nil {
				return restakingError(err)
			}
			if c.Bool("json") {
				err = writeRestakingJSON(stdout, restakingCascadeJSON(src, g, shock, res))
			} else {
				err = writeRestakingCascade(stdout, src, g, shock, res)
			}
			if err != nil || !c.Bool("check") {
				return err
			}
			return checkRestakingCascade(g, res)
		},
	}
}

// Errors of --check, wrapped in exit code 1 (exitRunFailure), so that a
// gate tells an insecure graph from bad input (2).
var (
	errRestakingInsecure  = errors.New("restaking graph is insecure")
	errRestakingNotProved = errors.New("restaking graph is not proved secure")
)

func restakingCheckFailed(err error) error { return &exitError{code: exitRunFailure, err: err} }

// checkRestakingAnalysis is analyze --check: nil only for verdict secure.
func checkRestakingAnalysis(a *security.Analysis) error {
	switch {
	case a.Verdict == security.VerdictSecure:
		return nil
	case a.Verdict == security.VerdictInsecure && a.WorstAttack != nil:
		return restakingCheckFailed(fmt.Errorf("%w: %s", errRestakingInsecure, restakingAttackText(a.WorstAttack)))
	case a.Verdict == security.VerdictInsecure:
		return restakingCheckFailed(fmt.Errorf("%w: %s", errRestakingInsecure, a.Method))
	}
	return restakingCheckFailed(fmt.Errorf("%w (verdict %s): %s", errRestakingNotProved, a.Verdict, a.Method))
}

// checkRestakingCascade is cascade --check: the graph after the shock is
// insecure when the cascade executed any (valid) attack; with none, it is
// secure only if the cascade is exact.
func checkRestakingCascade(g *security.Graph, r *security.CascadeResult) error {
	switch {
	case len(r.Rounds) > 0:
		rounds := "rounds"
		if len(r.Rounds) == 1 {
			rounds = "round"
		}
		return restakingCheckFailed(fmt.Errorf("%w after the shock: the cascade compromised %d of %d services %s in %d %s, starting with %s",
			errRestakingInsecure, len(r.ServicesCompromised), len(g.Services), idSetText(r.ServicesCompromised),
			len(r.Rounds), rounds, restakingAttackText(&r.Rounds[0].Attack)))
	case !r.Exact:
		return restakingCheckFailed(fmt.Errorf("%w after the shock: no attack found, but the cascade is heuristic (raise --max-exact-operators, --max-exact-services or --max-exact-shock-operators)",
			errRestakingNotProved))
	}
	return nil
}

// loadRestakingGraph reads the subcommand's one GRAPH.yaml argument.
func loadRestakingGraph(c *cli.Context, name string) (*security.Graph, string, error) {
	if c.NArg() != 1 {
		return nil, "", badInput(fmt.Errorf("restaking %s needs exactly one GRAPH.yaml (see stakesim restaking %s --help)", name, name))
	}
	src := c.Args().First()
	rg, err := scenarios.LoadRestakingGraph(src)
	if err != nil {
		return nil, "", badInput(err)
	}
	return securityGraph(rg), src, nil
}

// securityGraph converts a parsed graph file into the analysis' graph; the
// two use the same units (Gwei, WAD) and indices.
func securityGraph(rg *scenarios.RestakingGraph) *security.Graph {
	g := &security.Graph{
		Operators:   make([]security.Operator, len(rg.Operators)),
		Services:    make([]security.Service, len(rg.Services)),
		Allocations: make([]security.Allocation, len(rg.Allocations)),
	}
	for i, o := range rg.Operators {
		g.Operators[i] = security.Operator{ID: o.ID, Stake: o.StakeGwei}
	}
	for i, s := range rg.Services {
		g.Services[i] = security.Service{ID: s.ID, Profit: s.ProfitGwei, Threshold: s.ThresholdWAD}
	}
	for i, a := range rg.Allocations {
		g.Allocations[i] = security.Allocation{Operator: a.Operator, Service: a.Service, Magnitude: a.MagnitudeWAD}
	}
	return g
}

func restakingOptions(c *cli.Context) (security.Options, error) {
	opts := security.Options{
		MaxExactOperators: c.Int("max-exact-operators"),
		MaxExactServices:  c.Int("max-exact-services"),
	}
	if opts.MaxExactOperators < 0 {
		return opts, badInput(fmt.Errorf("--max-exact-operators: %d is negative", opts.MaxExactOperators))
	}
	if opts.MaxExactServices < 0 {
		return opts, badInput(fmt.Errorf("--max-exact-services: %d is negative", opts.MaxExactServices))
	}
	if c.Command.Name == "cascade" {
		opts.MaxExactShockOperators = c.Int("max-exact-shock-operators")
		if opts.MaxExactShockOperators < 0 {
			return opts, badInput(fmt.Errorf("--max-exact-shock-operators: %d is negative", opts.MaxExactShockOperators))
		}
		switch order := c.String("order"); order {
		case security.OrderCheapest, security.OrderWorst:
			opts.CascadeOrder = order
		default:
			return opts, badInput(fmt.Errorf("--order: %q is not %s or %s", order, security.OrderCheapest, security.OrderWorst))
		}
	}
	return opts, nil
}

// restakingShock decodes --shock or --remove.
func restakingShock(c *cli.Context, g *security.Graph) (security.Shock, error) {
	shockSet, removeSet := c.IsSet("shock"), c.IsSet("remove")
	switch {
	case shockSet && removeSet:
		return security.Shock{}, badInput(errors.New("give --shock or --remove, not both"))
	case !shockSet && !removeSet:
		return security.Shock{}, badInput(errors.New("restaking cascade needs --shock F or --remove ID[,ID...]"))
	case shockSet:
		text := strings.TrimSpace(c.String("shock"))
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return security.Shock{}, badInput(fmt.Errorf("--shock: %q is not a fraction in [0, 1]", c.String("shock")))
		}
		return security.Shock{Fraction: f}, nil
	}
	known := make(map[string]bool, len(g.Operators))
	for _, o := range g.Operators {
		known[o.ID] = true
	}
	var ids []string
	seen := make(map[string]bool)
	for _, id := range strings.Split(c.String("remove"), ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			return security.Shock{}, badInput(fmt.Errorf("--remove: %q has an empty operator id", c.String("remove")))
		case !known[id]:
			return security.Shock{}, badInput(fmt.Errorf("--remove: unknown operator %q", id))
		case seen[id]:
			return security.Shock{}, badInput(fmt.Errorf("--remove: operator %q is named twice", id))
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return security.Shock{Remove: ids}, nil
}

// restakingError marks the analysis' complaints about its input as bad
// input; anything else is a failure.
func restakingError(err error) error {
	if errors.Is(err, security.ErrInvalidGraph) || errors.Is(err, security.ErrInvalidOptions) || errors.Is(err, security.ErrInvalidShock) {
		return badInput(err)
	}
	return err
}

// formatETH prints an amount of Gwei as ETH exactly: the integer part and
// up to 9 decimals, trailing zeros trimmed.
func formatETH(gwei uint64) string {
	whole, frac := gwei/1_000_000_000, gwei%1_000_000_000
	if frac == 0 {
		return strconv.FormatUint(whole, 10)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%09d", whole, frac), "0")
}

// ethJSONNumber is an ETH amount as an exact JSON number.
func ethJSONNumber(gwei uint64) json.Number { return json.Number(formatETH(gwei)) }

// finite returns p's value for JSON, or nil (null) when p is nil or not a
// finite number (JSON has no infinity).
func restakingFinite(p *float64) *float64 {
	if p == nil || math.IsInf(*p, 0) || math.IsNaN(*p) {
		return nil
	}
	return p
}

func restakingFiniteValue(v float64) *float64 { return restakingFinite(&v) }

// restakingRatio prints a derived ratio (a load, a γ) with 4 significant digits.
func restakingRatio(v float64) string {
	if math.IsInf(v, 1) {
		return "unbounded"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func writeRestakingJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type restakingTotals struct {
	operators, services, allocations int
	stake, profit                    uint64
}

func restakingTotalsOf(g *security.Graph) restakingTotals {
	t := restakingTotals{operators: len(g.Operators), services: len(g.Services), allocations: len(g.Allocations)}
	for _, o := range g.Operators {
		t.stake += o.Stake
	}
	for _, s := range g.Services {
		t.profit += s.Profit
	}
	return t
}

func restakingGraphLine(src string, g *security.Graph) string {
	t := restakingTotalsOf(g)
	return fmt.Sprintf("restaking graph %s: %d operators (%s ETH of stake), %d services (%s ETH of profit from corruption), %d allocations",
		src, t.operators, formatETH(t.stake), t.services, formatETH(t.profit), t.allocations)
}

// restakingAttackJSON is an attack as analyze and cascade print it.
type restakingAttackJSON struct {
	Operators  []string    `json:"operators"`
	Services   []string    `json:"services"`
	Cost       json.Number `json:"cost"`   // ETH
	Profit     json.Number `json:"profit"` // ETH
	CostGwei   uint64      `json:"cost_gwei"`
	ProfitGwei uint64      `json:"profit_gwei"`
	// Allocations are the unique-stake allocations taking part, each
	// slashed in full; absent when no operator of the attack has
	// magnitudes.
	Allocations []restakingAllocJSON `json:"allocations,omitempty"`
}

type restakingAllocJSON struct {
	Operator  string      `json:"operator"`
	Service   string      `json:"service"`
	Stake     json.Number `json:"stake"` // ETH
	StakeGwei uint64      `json:"stake_gwei"`
}

func toRestakingAttackJSON(a *security.Attack) *restakingAttackJSON {
	if a == nil {
		return nil
	}
	out := &restakingAttackJSON{
		Operators: nonNilIDs(a.Operators), Services: nonNilIDs(a.Services),
		Cost: ethJSONNumber(a.CostGwei), Profit: ethJSONNumber(a.ProfitGwei),
		CostGwei: a.CostGwei, ProfitGwei: a.ProfitGwei,
	}
	for _, al := range a.Allocations {
		out.Allocations = append(out.Allocations, restakingAllocJSON{
			Operator: al.Operator, Service: al.Service,
			Stake: ethJSONNumber(al.StakeGwei), StakeGwei: al.StakeGwei,
		})
	}
	return out
}

func nonNilIDs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type restakingCheckJSON struct {
	ID    string   `json:"id"`
	Load  *float64 `json:"load"`
	Holds bool     `json:"holds"`
}

type restakingAnalyzeOutput struct {
	Graph       string               `json:"graph"`
	Operators   int                  `json:"operators"`
	Services    int                  `json:"services"`
	Allocations int                  `json:"allocations"`
	TotalStake  json.Number          `json:"total_stake"` // ETH
	TotalProfit json.Number          `json:"total_profit"`
	Secure      bool                 `json:"secure"`
	Exact       bool                 `json:"exact"`
	Verdict     string               `json:"verdict"`
	Method      string               `json:"method"`
	WorstAttack *restakingAttackJSON `json:"worst_attack"`
	GammaSlack  *float64             `json:"gamma_slack"`
	// GammaUnbounded: secure and no coalition can gain anything, so every
	// γ works (gamma_slack is then null).
	GammaUnbounded bool `json:"gamma_unbounded"`
	EigenLayer     struct {
		Holds     bool                 `json:"holds"`
		Operators []restakingCheckJSON `json:"operators"`
	} `json:"eigenlayer_condition"`
}

func restakingAnalyzeJSON(src string, g *security.Graph, a *security.Analysis) restakingAnalyzeOutput {
	t := restakingTotalsOf(g)
	out := restakingAnalyzeOutput{
		Graph: src, Operators: t.operators, Services: t.services, Allocations: t.allocations,
		TotalStake: ethJSONNumber(t.stake), TotalProfit: ethJSONNumber(t.profit),
		Secure: a.Secure, Exact: a.Exact, Verdict: a.Verdict, Method: a.Method,
		WorstAttack:    toRestakingAttackJSON(a.WorstAttack),
		GammaSlack:     restakingFinite(a.GammaSlack),
		GammaUnbounded: a.GammaUnbounded,
	}
	out.EigenLayer.Holds = a.SufficientHolds
	out.EigenLayer.Operators = make([]restakingCheckJSON, len(a.Sufficient))
	for i, oc := range a.Sufficient {
		out.EigenLayer.Operators[i] = restakingCheckJSON{ID: oc.ID, Load: restakingFiniteValue(oc.Load), Holds: oc.Holds}
	}
	return out
}

func idSetText(ids []string) string { return "{" + strings.Join(ids, ", ") + "}" }

func restakingAttackText(a *security.Attack) string {
	return fmt.Sprintf("coalition %s can corrupt %s: cost %s ETH < profit %s ETH%s",
		idSetText(a.Operators), idSetText(a.Services), formatETH(a.CostGwei), formatETH(a.ProfitGwei), allocationsText(a))
}

// allocationsText lists an attack's unique-stake allocations, if any.
func allocationsText(a *security.Attack) string {
	if len(a.Allocations) == 0 {
		return ""
	}
	parts := make([]string, len(a.Allocations))
	for i, al := range a.Allocations {
		parts[i] = fmt.Sprintf("%s→%s %s ETH", al.Operator, al.Service, formatETH(al.StakeGwei))
	}
	return " (unique-stake allocations slashed: " + strings.Join(parts, ", ") + ")"
}

// writeRestakingAnalysis prints an analysis as a verdict line and a table.
func writeRestakingAnalysis(w io.Writer, src string, g *security.Graph, a *security.Analysis) error {
	var b strings.Builder
	b.WriteString(restakingGraphLine(src, g) + "\n")
	mode := "heuristic"
	if a.Exact {
		mode = "exact"
	}
	switch a.Verdict {
	case "secure":
		gamma := "γ-slack unknown"
		switch {
		case a.GammaUnbounded:
			gamma = "γ-slack unbounded: no service has a profit to gain"
		case a.GammaSlack != nil:
			gamma = "γ-slack " + restakingRatio(*a.GammaSlack)
		}
		fmt.Fprintf(&b, "SECURE (%s, %s): no coalition can corrupt services worth more than the stake it would lose\n", mode, gamma)
	case "insecure":
		if a.WorstAttack != nil {
			fmt.Fprintf(&b, "INSECURE (%s): %s\n", mode, restakingAttackText(a.WorstAttack))
		} else {
			fmt.Fprintf(&b, "INSECURE (%s)\n", mode)
		}
	default:
		fmt.Fprintf(&b, "UNKNOWN (%s): no profitable attack found, but the network is not proved secure\n", mode)
	}
	fmt.Fprintf(&b, "method: %s\n", a.Method)
	if a.Verdict == "insecure" {
		b.WriteString("γ-slack: none (the network is insecure)\n")
	}
	holds := "fails"
	if a.SufficientHolds {
		holds = "holds"
	}
	fmt.Fprintf(&b, "EigenLayer's per-operator sufficient condition: %s\n", holds)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  OPERATOR\tLOAD\tHOLDS\n")
	for _, oc := range a.Sufficient {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", oc.ID, restakingRatio(oc.Load), restakingYesNo(oc.Holds))
	}
	return tw.Flush()
}

func restakingYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type restakingRoundJSON struct {
	Round         int                  `json:"round"`
	Attack        *restakingAttackJSON `json:"attack"`
	StakeLost     json.Number          `json:"stake_lost"` // ETH
	StakeLostGwei uint64               `json:"stake_lost_gwei"`
}

type restakingShockJSON struct {
	Fraction      *float64    `json:"fraction"` // --shock, or null
	Remove        []string    `json:"remove"`   // --remove, or null
	Operators     []string    `json:"operators"`
	Stake         json.Number `json:"stake"` // ETH
	StakeGwei     uint64      `json:"stake_gwei"`
	StakeFraction float64     `json:"stake_fraction"`
}

type restakingCascadeOutput struct {
	Graph               string               `json:"graph"`
	Exact               bool                 `json:"exact"`
	Order               string               `json:"order"`       // "cheapest" or "worst"
	TotalStake          json.Number          `json:"total_stake"` // ETH
	TotalStakeGwei      uint64               `json:"total_stake_gwei"`
	Shock               restakingShockJSON   `json:"shock"`
	Rounds              int                  `json:"rounds"`
	RoundDetails        []restakingRoundJSON `json:"round_details"`
	ServicesCompromised []string             `json:"services_compromised"`
	StakeLost           json.Number          `json:"stake_lost"` // ETH, shock included
	StakeLostGwei       uint64               `json:"stake_lost_gwei"`
	StakeLostFraction   float64              `json:"stake_lost_fraction"`
}

func stakeFraction(part, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(part) / float64(total)
}

func restakingCascadeJSON(src string, g *security.Graph, s security.Shock, r *security.CascadeResult) restakingCascadeOutput {
	t := restakingTotalsOf(g)
	out := restakingCascadeOutput{
		Graph: src, Exact: r.Exact, Order: r.Order,
		TotalStake: ethJSONNumber(t.stake), TotalStakeGwei: t.stake,
		Shock: restakingShockJSON{
			Remove:    s.Remove,
			Operators: nonNilIDs(r.ShockOperators),
			Stake:     ethJSONNumber(r.ShockGwei), StakeGwei: r.ShockGwei,
			StakeFraction: stakeFraction(r.ShockGwei, t.stake),
		},
		Rounds:              len(r.Rounds),
		RoundDetails:        make([]restakingRoundJSON, len(r.Rounds)),
		ServicesCompromised: nonNilIDs(r.ServicesCompromised),
		StakeLost:           ethJSONNumber(r.StakeLostGwei),
		StakeLostGwei:       r.StakeLostGwei,
		StakeLostFraction:   r.StakeLostFraction,
	}
	if s.Remove == nil {
		out.Shock.Fraction = restakingFiniteValue(s.Fraction)
	}
	for i, rd := range r.Rounds {
		out.RoundDetails[i] = restakingRoundJSON{
			Round: i + 1, Attack: toRestakingAttackJSON(&rd.Attack),
			StakeLost: ethJSONNumber(rd.StakeLostGwei), StakeLostGwei: rd.StakeLostGwei,
		}
	}
	return out
}

// writeRestakingCascade prints a cascade round by round.
func writeRestakingCascade(w io.Writer, src string, g *security.Graph, s security.Shock, r *security.CascadeResult) error {
	t := restakingTotalsOf(g)
	var b strings.Builder
	b.WriteString(restakingGraphLine(src, g) + "\n")
	mode := "heuristic"
	if r.Exact {
		mode = "exact"
	}
	if s.Remove != nil {
		fmt.Fprintf(&b, "shock: removed %s", idSetText(r.ShockOperators))
	} else {
		fmt.Fprintf(&b, "shock: the worst removal of at most %s of the stake (%s): removed %s", restakingRatio(s.Fraction), mode, idSetText(r.ShockOperators))
	}
	fmt.Fprintf(&b, ", %s ETH (%s of the stake)\n", formatETH(r.ShockGwei), restakingRatio(stakeFraction(r.ShockGwei, t.stake)))
	switch r.Order {
	case security.OrderWorst:
		b.WriteString("order: worst (each round executes the most profitable valid attack)\n")
	default:
		b.WriteString("order: cheapest (each round executes the valid attack of least cost)\n")
	}
	for i, rd := range r.Rounds {
		a := rd.Attack
		fmt.Fprintf(&b, "round %d: coalition %s corrupts %s: cost %s ETH, profit %s ETH; %s ETH slashed%s\n",
			i+1, idSetText(a.Operators), idSetText(a.Services), formatETH(a.CostGwei), formatETH(a.ProfitGwei),
			formatETH(rd.StakeLostGwei), allocationsText(&a))
	}
	if len(r.Rounds) == 0 {
		b.WriteString("no attack after the shock: the cascade stops at once\n")
	}
	rounds := "rounds"
	if len(r.Rounds) == 1 {
		rounds = "round"
	}
	fmt.Fprintf(&b, "cascade (%s): %d %s; %d of %d services compromised %s; stake lost %s ETH = %s of %s ETH (shock included)\n",
		mode, len(r.Rounds), rounds, len(r.ServicesCompromised), len(g.Services), idSetText(r.ServicesCompromised),
		formatETH(r.StakeLostGwei), restakingRatio(r.StakeLostFraction), formatETH(t.stake))
	_, err := io.WriteString(w, b.String())
	return err
}
