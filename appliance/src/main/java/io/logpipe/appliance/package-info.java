/**
 * The appliance: one host running the whole pipeline, each part as its own process under one supervisor.
 */
package io.logpipe.appliance;
