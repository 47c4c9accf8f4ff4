package io.logpipe.indexer.config;

import io.logpipe.common.config.Location;
import java.util.List;

/** {@code if c1 { ... } else if c2 { ... } else { ... }}: the first branch whose condition holds runs. */
public record Conditional(List<Branch> branches, List<Statement> otherwise) implements Statement {
    public record Branch(Expression condition, List<Statement> body, Location location) {
    }
}
