/**
 * What several of logpipe's modules share, one implementation each: the queue, the shipper, the indexer, the
 * appliance and the test kit depend on this module; it depends on none of them.
 */
package io.logpipe.common;
