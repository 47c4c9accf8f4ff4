package io.logpipe.testkit.analysis;

import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The analysis components that the security index's "email" analyzer needs and that the integ-test-zip
 * distribution lacks (they live in the default distribution's analysis-common module): without them Elasticsearch
 * cannot create its .security index, so API keys cannot be created. Compiled and installed by the testkit, for
 * test nodes only.
 */
public final class SecurityIndexAnalysisPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        AnalysisProvider<TokenFilterFactory> patternCapture = (indexSettings, environment, name, settings) -> {
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
            Pattern[] patterns = settings.getAsList("patterns").stream().map(Pattern::compile).toArray(Pattern[]::new);
            return filter(name, input -> new PatternCaptureGroupTokenFilter(input, preserveOriginal, patterns));
        };
        AnalysisProvider<TokenFilterFactory> unique = (indexSettings, environment, name, settings) ->
                filter(name, RemoveDuplicatesTokenFilter::new);
        return Map.of("pattern_capture", AnalysisPlugin.requiresAnalysisSettings(patternCapture), "unique", unique);
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("uax_url_email", (indexSettings, environment, name, settings) ->
                TokenizerFactory.newFactory(name, UAX29URLEmailTokenizer::new));
    }

    private static TokenFilterFactory filter(String name, UnaryOperator<TokenStream> create) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream input) {
                return create.apply(input);
            }
        };
    }
}
