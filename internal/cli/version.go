package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/parse-dmarc/parse-dmarc/internal/version"
)

func runVersion(ctx context.Context, env Env, args []string) int {
	fs := flagSet(env, "version", "", "Print the version of parse-dmarc and of the Go toolchain that built it.")
	if code, ok := parseFlags(fs, &env, args); !ok {
		return code
	}
	fmt.Fprintf(env.Stdout, "parse-dmarc %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return ExitOK
}
