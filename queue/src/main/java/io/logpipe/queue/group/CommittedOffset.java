package io.logpipe.queue.group;

/** What a group committed for one partition: the next offset to consume, as the client sent it. */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
}
