package io.logpipe.indexer.config;

import java.util.ArrayList;
import java.util.List;

/** A parsed pipeline: its input, filter and output sections (several files' sections concatenated in order). */
public record PipelineConfig(List<Statement> inputs, List<Statement> filters, List<Statement> outputs) {
    public static PipelineConfig empty() {
        return new PipelineConfig(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    public PipelineConfig merge(PipelineConfig other) {
        List<Statement> in = new ArrayList<>(inputs);
        in.addAll(other.inputs);
        List<Statement> filter = new ArrayList<>(filters);
        filter.addAll(other.filters);
        List<Statement> out = new ArrayList<>(outputs);
        out.addAll(other.outputs);
        return new PipelineConfig(in, filter, out);
    }
}
