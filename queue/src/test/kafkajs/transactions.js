// kafkajs transactions against a broker: node transactions.js BOOTSTRAP TOPIC GROUP
// A committed transaction, an aborted one, then one that also commits the group's offset (sendOffsets, i.e.
// AddOffsetsToTxn + TxnOffsetCommit); then a kafkajs read_committed consumer reads the topic. Prints one line
// "seen=v1,v2,..." with what that consumer got, in order; exits 1 with the error otherwise.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, group] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'logpipe-kafkajs-test', brokers: [bootstrap], logLevel: logLevel.WARN });

function values(prefix, n) {
  return Array.from({ length: n }, (_, i) => ({ partition: 0, value: `${prefix}-${i}` }));
}

async function main() {
  const producer = kafka.producer({ transactionalId: 'logpipe-kafkajs', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  let txn = await producer.transaction();
  await txn.send({ topic, messages: values('committed', 3) });
  await txn.commit();

  txn = await producer.transaction();
  await txn.send({ topic, messages: values('aborted', 2) });
  await txn.abort();

  txn = await producer.transaction();
  await txn.send({ topic, messages: values('after', 2) });
  await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: '3' }] }] });
  await txn.commit();
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${group}-reader`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read_committed consumer saw only ${seen.join(',')} in 60 s`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString());
        if (seen.length >= 5) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  console.log('seen=' + seen.join(','));
}

main().then(() => process.exit(0), (e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
