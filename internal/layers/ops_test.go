package layers

// opsForbidden lists the imports of the packages of issue 13's second
// part. bootstrap applies files through the domain services (never the
// store's SQL, the API layer or the server) and serves no HTTP; export
// reads the storage interfaces only.
var opsForbidden = map[string][]string{
	"bootstrap": {"net/http", module + "apiserver", module + "awsjson", module + "server", module + "storage/sql", module + "authflow", module + "token"},
	"export":    {"net/http", module + "cognitoidp", module + "apiserver", module + "server", module + "storage/sql", module + "userpool", module + "authflow"},
}

// init adds them to the rules TestImportRules checks.
func init() {
	for pkg, bad := range opsForbidden {
		forbidden[pkg] = bad
	}
}
