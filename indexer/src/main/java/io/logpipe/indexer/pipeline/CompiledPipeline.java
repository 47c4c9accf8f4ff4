package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.config.Expression;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.Input;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.PluginStats;
import io.logpipe.indexer.plugins.filters.CommonFilterOptions;
import java.util.List;

/**
 * A pipeline file made runnable by {@link PipelineCompiler}: every plugin built and its settings checked, each with
 * its {@link PluginStats}; the filter and output sections as trees of steps (conditionals choose a branch per
 * event); and the pipeline's one dead-letter queue, which its outputs share. Nothing runs until a {@link Pipeline}
 * starts it; {@link #close()} releases what building opened.
 */
public final class CompiledPipeline implements AutoCloseable {
    /** A step of the filter or output section: a plugin, or a conditional. */
    sealed interface Step permits FilterStep, OutputStep, ConditionalStep {
    }

    record InputStep(Input input, PluginStats stats) {
    }

    record FilterStep(Filter filter, CommonFilterOptions options, PluginStats stats) implements Step {
    }

    record OutputStep(Output output, PluginStats stats) implements Step {
    }

    /** {@code if conditions[0] { branches[0] } else if ... else { otherwise }}. */
    record ConditionalStep(List<Expression> conditions, List<List<Step>> branches, List<Step> otherwise)
            implements Step {
    }

    private final PipelineSettings settings;
    private final List<InputStep> inputs;
    private final List<Step> filters;
    private final List<Step> outputs;
    private final List<FilterStep> allFilters;
    private final List<OutputStep> allOutputs;
    private final DeadLetterQueue deadLetterQueue;

    CompiledPipeline(PipelineSettings settings, List<InputStep> inputs, List<Step> filters, List<Step> outputs,
            List<FilterStep> allFilters, List<OutputStep> allOutputs, DeadLetterQueue deadLetterQueue) {
        this.settings = settings;
        this.inputs = List.copyOf(inputs);
        this.filters = List.copyOf(filters);
        this.outputs = List.copyOf(outputs);
        this.allFilters = List.copyOf(allFilters);
        this.allOutputs = List.copyOf(allOutputs);
        this.deadLetterQueue = deadLetterQueue;
    }

    public PipelineSettings settings() {
        return settings;
    }

    public String id() {
        return settings.id();
    }

    List<InputStep> inputs() {
        return inputs;
    }

    /** The filter section, in order. */
    List<Step> filters() {
        return filters;
    }

    /** The output section, in order. */
    List<Step> outputs() {
        return outputs;
    }

    /** Every filter, whatever branch it is in, in the order of the file. */
    List<FilterStep> allFilters() {
        return allFilters;
    }

    /** Every output, whatever branch it is in, in the order of the file: each gets a batch's events at most once. */
    List<OutputStep> allOutputs() {
        return allOutputs;
    }

    public DeadLetterQueue deadLetterQueue() {
        return deadLetterQueue;
    }

    /** Closes every input and output, then the dead-letter queue they wrote to. */
    @Override
    public void close() {
        for (InputStep input : inputs) {
            input.input().close();
        }
        for (OutputStep output : allOutputs) {
            output.output().close();
        }
        deadLetterQueue.close();
    }
}
