package demo

// The story's timeline in scenario days (SCENARIO.md). With Config.Days = 30 a
// scenario day is a calendar day; otherwise days stretch proportionally.
const (
	storyDays = 30.0

	// Reference samples (training and validation, actuals inline).
	dayTrainV1From, dayTrainV1To = 0, 3
	dayTrainV2From, dayTrainV2To = 13, 15
	dayValidV2From, dayValidV2To = 14, 15

	dayIncomeShift = 12 // applicants' reported income jumps by 60%
	dayShadow      = 15 // credit-risk v2 shadows every production request
	dayCanary      = 18 // v2 serves 10% of production
	dayNewRegion   = 20 // region "central" appears
	daySpanish     = 21 // Spanish reviews appear and grow
	dayRollout     = 22 // v2 serves everything, v1 deprecated
	dayStaleClient = 25 // the branch-office client calls v1 again

	dayHarbourNight = 10 // harbour deliveries at night get slower (a road closure)
	dayBureauFeed   = 23 // some credit_lines values come from a new bureau feed
	dayDebtOutage   = 26 // debt_ratio goes missing for part of v2's traffic, that day only
)

// Data-quality and segment problems (SCENARIO.md). They are decided by hashes
// of the record's sequence number, not by the random streams, so every other
// number of the scenario stays as it was.
const (
	debtOutageShare = 0.40 // v2 production requests without debt_ratio on dayDebtOutage
	bureauFeedShare = 0.04 // v2 production requests whose credit_lines count closed lines too
	harbourDelayMin = 20.0 // extra minutes of a harbour delivery at night
)

// deliveryZones and their shares; the harbour is slow at night from dayHarbourNight.
var (
	deliveryZones = []string{"center", "suburbs", "harbour"}
	zoneShares    = cumulative(0.5, 0.35, 0.15)
)

// night reports whether a UTC hour is in the night shift (22:00–05:00).
func night(hour int) bool { return hour >= 22 || hour < 5 }

// unitHash maps a sequence number and a salt to [0, 1) (SplitMix64).
func unitHash(seq, salt uint64) float64 {
	z := seq*0x9E3779B97F4A7C15 + salt
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// Volumes at Scale 1.
const (
	creditPerHour    = 800.0 // production requests, diurnal mean
	etaPerHour       = 170.0
	sentimentPerHour = 37.5

	creditTrainN = 20000.0 // per version
	creditValidN = 5000.0  // per version
	etaTrainN    = 10000.0
	sentimentN   = 4000.0
)

// Story parameters.
const (
	canaryShare     = 0.10 // v2's share of production on days 18–21
	creditLateShare = 0.80 // production requests that get a late actual
	creditLateMs    = 3 * dayMs
	etaLateShare    = 0.95
	etaLateMinMs    = 45 * 60_000 // delivery actuals arrive 45–75 min later
	etaLateMaxMs    = 75 * 60_000
)

const (
	etaVersion       = "v3"
	sentimentVersion = "v1"
)

// Environments.
const (
	envTraining   = "training"
	envValidation = "validation"
	envProduction = "production"
	envShadow     = "shadow"
)
