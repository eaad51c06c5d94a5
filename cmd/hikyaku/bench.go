package main

import "github.com/spf13/cobra"

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark tools: a load generator (send) and a receiving SMTP sink that answers like real providers (sink)",
		Long: `Benchmark tools for capacity planning and comparisons.

  hikyaku bench sink   receives mail over SMTP, discards it, counts it per recipient
                       domain, answers with a configurable mix of replies, and serves
                       its figures on GET /stats
  hikyaku bench send   submits N messages over SMTP or the SES API and reports
                       accepted/s and, with a bench sink at the far end,
                       delivered/s and delivery latency

A typical run, hikyaku delivering sink.test to the sink:

  hikyaku bench sink --listen 127.0.0.1:2600 --http 127.0.0.1:2601 --progress
  hikyaku serve --route sink.test=127.0.0.1:2600 ...
  hikyaku bench send --smtp 127.0.0.1:2587 --count 5000 --size 10240 \
      --to sink.test --sink-stats http://127.0.0.1:2601/stats

bench/compare.sh (make bench-compare) runs hikyaku and Postfix side by side.`,
	}
	cmd.AddCommand(benchSinkCmd(), benchSendCmd())
	return cmd
}
