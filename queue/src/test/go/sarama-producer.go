// A minimal Sarama (Filebeat's Kafka client) producer for SaramaTest: one message per stdin line to partition 0
// of the topic, each offset printed; built offline from Debian's golang-github-shopify-sarama-dev (GOPATH mode).
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/Shopify/sarama"
)

func main() {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Flush.Messages = 1
	p, err := sarama.NewSyncProducer([]string{os.Args[1]}, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	defer p.Close()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		_, offset, err := p.SendMessage(&sarama.ProducerMessage{Topic: os.Args[2], Partition: 0,
			Value: sarama.StringEncoder(in.Text()), Timestamp: time.Now()})
		if err != nil {
			fmt.Fprintln(os.Stderr, "produce:", err)
			os.Exit(1)
		}
		fmt.Println(offset)
	}
}
