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
)

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
