package io.logpipe.indexer.pipeline;

import io.logpipe.indexer.config.Conditional;
import io.logpipe.common.config.ConfigException;
import io.logpipe.indexer.config.Expression;
import io.logpipe.indexer.config.PipelineConfig;
import io.logpipe.indexer.config.PluginDefinition;
import io.logpipe.indexer.config.Statement;
import io.logpipe.indexer.dlq.DeadLetterQueue;
import io.logpipe.indexer.pipeline.CompiledPipeline.ConditionalStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.FilterStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.InputStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.OutputStep;
import io.logpipe.indexer.pipeline.CompiledPipeline.Step;
import io.logpipe.indexer.plugins.Filter;
import io.logpipe.indexer.plugins.Input;
import io.logpipe.indexer.plugins.Output;
import io.logpipe.indexer.plugins.PluginContext;
import io.logpipe.indexer.plugins.PluginSettings;
import io.logpipe.indexer.plugins.PluginStats;
import io.logpipe.indexer.plugins.Plugins;
import io.logpipe.indexer.plugins.filters.CommonFilterOptions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a parsed pipeline file into a {@link CompiledPipeline}: builds every plugin, so that an unknown plugin or
 * setting and a wrong value fail here with file:line:column, before any event; gives each plugin its id (the
 * {@code id} setting, else {@code <name>_<n>} counted over the file) and its stats; opens the pipeline's one
 * dead-letter queue for its outputs. When anything fails, what was already built is closed again.
 */
public final class PipelineCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCompiler.class);

    private final PluginContext context;
    private final List<AutoCloseable> built = new ArrayList<>();
    private final List<FilterStep> allFilters = new ArrayList<>();
    private final List<OutputStep> allOutputs = new ArrayList<>();
    private int pluginCounter;

    private PipelineCompiler(PipelineSettings settings, DeadLetterQueue deadLetterQueue) {
        this.context = new PluginContext(settings.id(), deadLetterQueue, null);
    }

    public static CompiledPipeline compile(PipelineConfig config, PipelineSettings settings) {
        DeadLetterQueue deadLetterQueue = DeadLetterQueue.in(settings.deadLetterQueueDir(), settings.id());
        deadLetterQueue.open();
        PipelineCompiler compiler = new PipelineCompiler(settings, deadLetterQueue);
        compiler.built.add(deadLetterQueue);
        try {
            List<InputStep> inputs = compiler.inputs(config.inputs());
            List<Step> filters = compiler.steps(config.filters(), "filter");
            List<Step> outputs = compiler.steps(config.outputs(), "output");
            if (inputs.isEmpty()) {
                LOG.warn("pipeline {}: no input section: the pipeline will receive no events", settings.id());
            }
            return new CompiledPipeline(settings, inputs, filters, outputs, compiler.allFilters, compiler.allOutputs,
                    deadLetterQueue);
        } catch (RuntimeException e) {
            for (AutoCloseable closeable : compiler.built) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // already failing; the configuration error is what matters
                }
            }
            throw e;
        }
    }

    private List<InputStep> inputs(List<Statement> statements) {
        List<InputStep> inputs = new ArrayList<>();
        for (Statement statement : statements) {
            if (!(statement instanceof PluginDefinition definition)) {
                throw new ConfigException(((Conditional) statement).branches().get(0).location(),
                        "conditionals are not allowed in the input section");
            }
            Plugins.checkKnown("input", definition);
            PluginSettings pluginSettings = new PluginSettings("input", definition);
            PluginStats stats = stats(definition, pluginSettings);
            Input input = Plugins.input(definition, pluginSettings, context.forPlugin(stats));
            built.add(input::close);
            pluginSettings.rejectUnknown();
            inputs.add(new InputStep(input, stats));
        }
        return inputs;
    }

    private List<Step> steps(List<Statement> statements, String kind) {
        List<Step> steps = new ArrayList<>();
        for (Statement statement : statements) {
            if (statement instanceof PluginDefinition definition) {
                steps.add(kind.equals("filter") ? filter(definition) : output(definition));
            } else {
                Conditional conditional = (Conditional) statement;
                List<Expression> conditions = new ArrayList<>();
                List<List<Step>> branches = new ArrayList<>();
                for (Conditional.Branch branch : conditional.branches()) {
                    conditions.add(branch.condition());
                    branches.add(steps(branch.body(), kind));
                }
                steps.add(new ConditionalStep(conditions, branches, steps(conditional.otherwise(), kind)));
            }
        }
        return steps;
    }

    private FilterStep filter(PluginDefinition definition) {
        Plugins.checkKnown("filter", definition);
        PluginSettings pluginSettings = new PluginSettings("filter", definition);
        String defaultId = definition.name() + "_" + (++pluginCounter);
        CommonFilterOptions options = new CommonFilterOptions(pluginSettings, defaultId);
        Filter filter = Plugins.filter(definition, pluginSettings);
        pluginSettings.rejectUnknown();
        FilterStep step = new FilterStep(filter, options, new PluginStats(options.id(), definition.name()));
        allFilters.add(step);
        return step;
    }

    private OutputStep output(PluginDefinition definition) {
        Plugins.checkKnown("output", definition);
        PluginSettings pluginSettings = new PluginSettings("output", definition);
        PluginStats stats = stats(definition, pluginSettings);
        Output output = Plugins.output(definition, pluginSettings, context.forPlugin(stats));
        built.add(output);
        pluginSettings.rejectUnknown();
        OutputStep step = new OutputStep(output, stats);
        allOutputs.add(step);
        return step;
    }

    private PluginStats stats(PluginDefinition definition, PluginSettings pluginSettings) {
        String defaultId = definition.name() + "_" + (++pluginCounter);
        return new PluginStats(pluginSettings.string("id", defaultId), definition.name());
    }
}
