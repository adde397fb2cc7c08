// Command preview writes every hosted UI page, filled with sample data, to
// a directory as static HTML, for a look in a browser or a screenshot:
//
//	go run ./internal/hostedui/preview -out /tmp/hostedui
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/userpoold/userpoold/internal/hostedui"
)

func main() {
	out := flag.String("out", "hostedui-preview", "directory to write the pages to")
	flag.Parse()
	paths, err := hostedui.WritePreview(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
