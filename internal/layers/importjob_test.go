package layers

// phase1Forbidden lists the imports the packages of issue 13's first phase
// must not have: they are domain packages, called by apiserver and server,
// and know nothing of the wire layer or storage. Only importjob/upload
// serves HTTP (the pre-signed URL), and it knows nothing of Cognito's API.
var phase1Forbidden = map[string][]string{
	"importjob":         {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool", module + "authflow"},
	"importjob/upload":  {module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool", module + "authflow"},
	"password/imported": {"net/http", module + "cognitoidp", module + "storage", module + "password"},
	"quota":             {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool"},
	"activitylog":       {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage", module + "userpool"},
}

// init adds them to the rules TestImportRules checks.
func init() {
	for pkg, bad := range phase1Forbidden {
		forbidden[pkg] = bad
	}
}

// importsForbidden lists the imports of userimport, the glue that runs
// import jobs in the server: it reaches users through userpool and the
// database through the storage interfaces, and knows nothing of the wire.
var importsForbidden = map[string][]string{
	"userimport": {"net/http", module + "cognitoidp", module + "apiserver", module + "awsjson", module + "server", module + "storage/sql", module + "authflow"},
}

func init() {
	for pkg, bad := range importsForbidden {
		forbidden[pkg] = bad
	}
}
