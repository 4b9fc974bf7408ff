// The words of the generated articles, most frequent first: English function words, then everyday
// words, then the vocabulary of a software team's notes, with the word families stemming folds together
// (run, runs, running; connect, connection, connected ...) and a few words that hold another word inside
// them (truncate, brunch, grunt hold "run"), which is where substring search goes wrong.
// The generator draws rank r with probability close to 1 / (r ln V): Zipf's law, as in real text.
const WORDS = `
the of and to a in is that it for was on are as with be at by this have from or an they which
you one had not but what all were when we there can your more if will about up out has them some
would so into time other than then now only its new also two how first our after use work well
way even because any these give most us day make over such know take year people good through
long very much just where great back must before right think three help place still each last
while small end should part turn move might found again need large point show world own team
system data user server client query table index search text word page file code change
run runs running ran runner rerun build builds building built test tests testing tested
connect connects connected connecting connection connections pool pools pooled pooling
database databases store stored storing storage cache caches cached caching
request requests response responses latency throughput error errors retry retries retried
read reads reading write writes writing written update updates updated updating delete deleted
release releases released deploy deploys deployed deploying deployment service services
network networks message messages queue queues event events stream streams log logs logging
memory disk thread threads process processes worker workers job jobs task tasks schedule
plan plans planner planning scan scans scanning sort sorted sorting join joins joined
key keys value values row rows column columns schema schemas migrate migration migrations
lock locks locked locking transaction transactions commit commits committed rollback
document documents record records field fields report reports reporting metric metrics
monitor monitoring alert alerts dashboard graph graphs trace traces tracing span spans
backup backups restore restored replica replicas replication failover primary secondary
config configure configured configuration option options setting settings default defaults
version versions upgrade upgraded patch patches bug bugs fix fixes fixed issue issues
review reviews reviewed merge merged branch branches feature features design designed
customer customers order orders invoice invoices payment payments account accounts price
product products catalog inventory shipping warehouse supplier suppliers vendor contract
meeting meetings budget quarter roadmap goal goals decision decisions owner owners
morning evening weekend holiday office coffee lunch brunch dinner kitchen garden window
weather rain snow summer winter spring autumn travel train station airport hotel ticket
grunt truncate truncated prune pruned brunt
fast faster fastest slow slower slowest quick quickly simple simply clear clearly
secure security password token tokens session sessions permission permissions role roles
frontend backend browser mobile desktop screen button form forms layout style theme
engineer engineers developer developers manager managers analyst designer operator
benchmark benchmarks profile profiling regression regressions baseline capacity
cluster clusters node nodes shard shards partition partitions region regions zone
container containers image images volume volumes kubernetes docker terraform ansible
postgresql redis kafka rabbitmq nginx linux kernel compiler runtime interpreter
telemetry observability idempotent idempotency serializable snapshot vacuum autovacuum
tsvector trigram lexeme stemming tokenizer dictionary thesaurus synonym synonyms
histogram percentile quantile median outlier anomaly heuristic algorithm algorithms
encryption certificate certificates handshake protocol protocols socket sockets
`;

export const VOCABULARY: readonly string[] = WORDS.trim().split(/\s+/);

/**
 * Word pairs that occur together in real notes: now and then one is emitted where a single word would
 * be, so phrase search ("connection pool") has something to find.
 */
export const COLLOCATIONS: readonly string[] = [
  'connection pool',
  'query planner',
  'full text search',
  'primary key',
  'error budget',
  'search engine',
  'read replica',
  'message queue',
];
