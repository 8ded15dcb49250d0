package org.compliancepipeline.infra.elasticsearch.plugin;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.ar.ArabicNormalizationFilter;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.apache.lucene.analysis.core.DecimalDigitFilter;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.LetterTokenizer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.StopAnalyzer;
import org.apache.lucene.analysis.core.UpperCaseFilter;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.apache.lucene.analysis.el.GreekLowerCaseFilter;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.fa.PersianNormalizationFilter;
import org.apache.lucene.analysis.ga.IrishLowerCaseFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.EmptyTokenStream;
import org.apache.lucene.analysis.miscellaneous.KeywordRepeatFilter;
import org.apache.lucene.analysis.miscellaneous.LengthFilter;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.miscellaneous.TrimFilter;
import org.apache.lucene.analysis.miscellaneous.TruncateTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.ngram.NGramTokenizer;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.reverse.ReverseStringFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tr.TurkishLowerCaseFilter;
import org.elasticsearch.common.regex.Regex;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreBuiltAnalyzerProviderFactory;
import org.elasticsearch.index.analysis.PreConfiguredTokenFilter;
import org.elasticsearch.index.analysis.PreConfiguredTokenizer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.indices.analysis.PreBuiltCacheFactory.CachingStrategy;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The analysis components of Elasticsearch's analysis-common module that the project uses, under the module's names and
 * with its parameters and defaults, made of Lucene's own classes. Two kinds of registration, as in the module:
 * <ul>
 *   <li><em>configurable</em> ({@code "type": "<name>"} in the index's analysis settings, with parameters);</li>
 *   <li><em>pre-configured</em> (the bare name in an analyzer's {@code filter}/{@code tokenizer} list or a mapping's
 *       {@code analyzer}).</li>
 * </ul>
 * Already built into the server and therefore not registered here: analyzer {@code standard} (and pre-built
 * {@code keyword}, {@code simple}, {@code whitespace}, {@code stop}), tokenizer {@code standard}, token filter
 * {@code stop} (configurable, with {@code _english_}/{@code _arabic_}/... lists) and pre-configured {@code lowercase}.
 * Registering one of those again fails node start-up.
 */
final class LocalAnalysis {

    private LocalAnalysis() {}

    // ---------------------------------------------------------------- analyzers

    static Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> analyzers() {
        Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> analyzers = new TreeMap<>();
        analyzers.put(
            "english",
            (indexSettings, env, name, settings) -> analyzer(
                name,
                new EnglishAnalyzer(
                    Analysis.parseStopWords(env, settings, EnglishAnalyzer.getDefaultStopSet()),
                    Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
                )
            )
        );
        analyzers.put(
            "arabic",
            (indexSettings, env, name, settings) -> analyzer(
                name,
                new ArabicAnalyzer(
                    Analysis.parseStopWords(env, settings, ArabicAnalyzer.getDefaultStopSet()),
                    Analysis.parseStemExclusion(settings, CharArraySet.EMPTY_SET)
                )
            )
        );
        analyzers.put(
            "stop",
            (indexSettings, env, name, settings) -> analyzer(
                name,
                new StopAnalyzer(Analysis.parseStopWords(env, settings, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET))
            )
        );
        analyzers.put("keyword", (indexSettings, env, name, settings) -> analyzer(name, new KeywordAnalyzer()));
        analyzers.put("simple", (indexSettings, env, name, settings) -> analyzer(name, new SimpleAnalyzer()));
        analyzers.put("whitespace", (indexSettings, env, name, settings) -> analyzer(name, new WhitespaceAnalyzer()));
        return analyzers;
    }

    static List<PreBuiltAnalyzerProviderFactory> preBuiltAnalyzers() {
        return List.of(
            new PreBuiltAnalyzerProviderFactory("english", CachingStrategy.LUCENE, EnglishAnalyzer::new),
            new PreBuiltAnalyzerProviderFactory("arabic", CachingStrategy.LUCENE, ArabicAnalyzer::new)
        );
    }

    private static <T extends Analyzer> AnalyzerProvider<T> analyzer(String name, T analyzer) {
        return new AbstractIndexAnalyzerProvider<>(name) {
            @Override
            public T get() {
                return analyzer;
            }
        };
    }

    // ---------------------------------------------------------------- token filters

    static Map<String, AnalysisProvider<TokenFilterFactory>> tokenFilters() {
        Map<String, AnalysisProvider<TokenFilterFactory>> filters = new TreeMap<>();
        filters.put("lowercase", (indexSettings, env, name, settings) -> {
            String language = settings.get("language");
            if (language == null) {
                return normalizing(name, LowerCaseFilter::new);
            }
            return switch (language.toLowerCase(Locale.ROOT)) {
                case "greek" -> normalizing(name, GreekLowerCaseFilter::new);
                case "irish" -> normalizing(name, IrishLowerCaseFilter::new);
                case "turkish" -> normalizing(name, TurkishLowerCaseFilter::new);
                default -> throw new IllegalArgumentException("language [" + language + "] not support for lower case");
            };
        });
        filters.put("uppercase", (indexSettings, env, name, settings) -> normalizing(name, UpperCaseFilter::new));
        filters.put("asciifolding", (indexSettings, env, name, settings) -> {
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            return new NormalizingTokenFilterFactory() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public TokenStream create(TokenStream tokenStream) {
                    return new ASCIIFoldingFilter(tokenStream, preserveOriginal);
                }

                @Override
                public TokenStream normalize(TokenStream tokenStream) {
                    // a normalizer (keyword fields, multi-term queries) must yield exactly one token
                    return new ASCIIFoldingFilter(tokenStream, false);
                }
            };
        });
        filters.put("arabic_normalization", (indexSettings, env, name, settings) -> normalizing(name, ArabicNormalizationFilter::new));
        filters.put("persian_normalization", (indexSettings, env, name, settings) -> normalizing(name, PersianNormalizationFilter::new));
        filters.put("decimal_digit", (indexSettings, env, name, settings) -> normalizing(name, DecimalDigitFilter::new));
        filters.put("trim", (indexSettings, env, name, settings) -> normalizing(name, TrimFilter::new));
        filters.put("arabic_stem", (indexSettings, env, name, settings) -> plain(name, ArabicStemFilter::new));
        filters.put("porter_stem", (indexSettings, env, name, settings) -> plain(name, PorterStemFilter::new));
        filters.put("kstem", (indexSettings, env, name, settings) -> plain(name, KStemFilter::new));
        filters.put("stemmer", (indexSettings, env, name, settings) -> {
            String language = settings.get("language", settings.get("name", "porter"));
            return plain(name, stemmer(language));
        });
        filters.put("snowball", (indexSettings, env, name, settings) -> {
            String language = settings.get("language", "English");
            return plain(name, snowball(language));
        });
        filters.put("edge_ngram", (indexSettings, env, name, settings) -> {
            int minGram = settings.getAsInt("min_gram", 1);
            int maxGram = settings.getAsInt("max_gram", 2);
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            return plain(name, ts -> new EdgeNGramTokenFilter(ts, minGram, maxGram, preserveOriginal));
        });
        filters.put("ngram", (indexSettings, env, name, settings) -> {
            int minGram = settings.getAsInt("min_gram", 1);
            int maxGram = settings.getAsInt("max_gram", 2);
            checkNgramDiff(indexSettings, minGram, maxGram);
            boolean preserveOriginal = settings.getAsBoolean("preserve_original", false);
            return plain(name, ts -> new NGramTokenFilter(ts, minGram, maxGram, preserveOriginal));
        });
        filters.put("length", (indexSettings, env, name, settings) -> {
            int min = settings.getAsInt("min", 0);
            int max = settings.getAsInt("max", Integer.MAX_VALUE);
            return plain(name, ts -> new LengthFilter(ts, min, max));
        });
        filters.put("truncate", (indexSettings, env, name, settings) -> {
            int length = settings.getAsInt("length", 10);
            if (length <= 0) {
                throw new IllegalArgumentException("length parameter must be provided");
            }
            return plain(name, ts -> TruncateTokenFilter.truncateAfterChars(ts, length));
        });
        filters.put("reverse", (indexSettings, env, name, settings) -> plain(name, ReverseStringFilter::new));
        filters.put("remove_duplicates", (indexSettings, env, name, settings) -> plain(name, RemoveDuplicatesTokenFilter::new));
        return filters;
    }

    static List<PreConfiguredTokenFilter> preConfiguredTokenFilters() {
        // lowercase is pre-configured by the server itself
        return List.of(
            PreConfiguredTokenFilter.singleton("arabic_normalization", true, ArabicNormalizationFilter::new),
            PreConfiguredTokenFilter.singleton("arabic_stem", false, ArabicStemFilter::new),
            PreConfiguredTokenFilter.singleton("asciifolding", true, ASCIIFoldingFilter::new),
            PreConfiguredTokenFilter.singleton("decimal_digit", true, DecimalDigitFilter::new),
            PreConfiguredTokenFilter.singleton("persian_normalization", true, PersianNormalizationFilter::new),
            PreConfiguredTokenFilter.singleton("trim", true, TrimFilter::new),
            PreConfiguredTokenFilter.singleton("uppercase", true, UpperCaseFilter::new),
            PreConfiguredTokenFilter.singleton("porter_stem", false, PorterStemFilter::new),
            PreConfiguredTokenFilter.singleton("kstem", false, KStemFilter::new),
            PreConfiguredTokenFilter.singleton("stemmer", false, PorterStemFilter::new),
            PreConfiguredTokenFilter.singleton("snowball", false, ts -> new SnowballFilter(ts, "English")),
            PreConfiguredTokenFilter.singleton("stop", false, ts -> new StopFilter(ts, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET)),
            PreConfiguredTokenFilter.singleton("edge_ngram", false, false, ts -> new EdgeNGramTokenFilter(ts, 1)),
            PreConfiguredTokenFilter.singleton("ngram", false, false, ts -> new NGramTokenFilter(ts, 1, 2, false)),
            PreConfiguredTokenFilter.singleton("keyword_repeat", false, false, KeywordRepeatFilter::new),
            PreConfiguredTokenFilter.singleton("reverse", false, ReverseStringFilter::new),
            PreConfiguredTokenFilter.singleton("truncate", false, ts -> TruncateTokenFilter.truncateAfterChars(ts, 10))
        );
    }

    /** The {@code stemmer} filter's languages (the English and Arabic ones, and Snowball's by name). */
    static Function<TokenStream, TokenStream> stemmer(String language) {
        Function<TokenStream, TokenStream> stemmer = switch (language.toLowerCase(Locale.ROOT)) {
            case "english", "porter" -> PorterStemFilter::new;
            case "light_english", "lightenglish", "kstem" -> KStemFilter::new;
            case "minimal_english", "minimalenglish" -> EnglishMinimalStemFilter::new;
            case "possessive_english", "possessiveenglish" -> EnglishPossessiveFilter::new;
            case "porter2" -> ts -> new SnowballFilter(ts, "English");
            case "arabic" -> ArabicStemFilter::new;
            case "armenian", "basque", "catalan", "danish", "dutch", "estonian", "finnish", "french", "german", "hungarian",
                "irish", "italian", "lithuanian", "norwegian", "portuguese", "romanian", "russian", "serbian", "spanish",
                "swedish", "turkish" -> snowball(language);
            default -> throw new IllegalArgumentException(
                "stemmer language [" + language + "] is not available on the local node (plugin compliance-local)"
            );
        };
        return stemmer;
    }

    /** A Snowball stemmer by language name ({@code English}, {@code German}, ...), checked at definition time. */
    static Function<TokenStream, TokenStream> snowball(String language) {
        String snowballName = language.substring(0, 1).toUpperCase(Locale.ROOT) + language.substring(1).toLowerCase(Locale.ROOT);
        try {
            new SnowballFilter(new EmptyTokenStream(), snowballName).close();
        } catch (Exception | LinkageError e) {
            throw new IllegalArgumentException("unknown snowball language [" + language + "]", e);
        }
        return ts -> new SnowballFilter(ts, snowballName);
    }

    private static TokenFilterFactory plain(String name, Function<TokenStream, TokenStream> create) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return create.apply(tokenStream);
            }
        };
    }

    private static TokenFilterFactory normalizing(String name, Function<TokenStream, TokenStream> create) {
        return new NormalizingTokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return create.apply(tokenStream);
            }
        };
    }

    // ---------------------------------------------------------------- tokenizers

    static Map<String, AnalysisProvider<TokenizerFactory>> tokenizers() {
        Map<String, AnalysisProvider<TokenizerFactory>> tokenizers = new TreeMap<>();
        tokenizers.put("whitespace", (indexSettings, env, name, settings) -> {
            int maxTokenLength = settings.getAsInt("max_token_length", 255);
            return tokenizer(name, () -> new WhitespaceTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, maxTokenLength));
        });
        tokenizers.put("keyword", (indexSettings, env, name, settings) -> {
            int bufferSize = settings.getAsInt("buffer_size", 256);
            return tokenizer(name, () -> new KeywordTokenizer(bufferSize));
        });
        tokenizers.put("letter", (indexSettings, env, name, settings) -> tokenizer(name, LetterTokenizer::new));
        tokenizers.put("uax_url_email", (indexSettings, env, name, settings) -> {
            int maxTokenLength = settings.getAsInt("max_token_length", 255);
            return tokenizer(name, () -> {
                UAX29URLEmailTokenizer tokenizer = new UAX29URLEmailTokenizer();
                tokenizer.setMaxTokenLength(maxTokenLength);
                return tokenizer;
            });
        });
        tokenizers.put("pattern", (indexSettings, env, name, settings) -> {
            Pattern pattern = Regex.compile(settings.get("pattern", "\\W+"), settings.get("flags"));
            int group = settings.getAsInt("group", -1);
            return tokenizer(name, () -> new PatternTokenizer(pattern, group));
        });
        tokenizers.put("edge_ngram", (indexSettings, env, name, settings) -> {
            int minGram = settings.getAsInt("min_gram", NGramTokenizer.DEFAULT_MIN_NGRAM_SIZE);
            int maxGram = settings.getAsInt("max_gram", NGramTokenizer.DEFAULT_MAX_NGRAM_SIZE);
            IntPredicate tokenChars = tokenChars(settings);
            return tokenizer(name, () -> tokenChars == null
                ? new EdgeNGramTokenizer(minGram, maxGram)
                : new EdgeNGramTokenizer(minGram, maxGram) {
                    @Override
                    protected boolean isTokenChar(int chr) {
                        return tokenChars.test(chr);
                    }
                });
        });
        tokenizers.put("ngram", (indexSettings, env, name, settings) -> {
            int minGram = settings.getAsInt("min_gram", NGramTokenizer.DEFAULT_MIN_NGRAM_SIZE);
            int maxGram = settings.getAsInt("max_gram", NGramTokenizer.DEFAULT_MAX_NGRAM_SIZE);
            checkNgramDiff(indexSettings, minGram, maxGram);
            IntPredicate tokenChars = tokenChars(settings);
            return tokenizer(name, () -> tokenChars == null
                ? new NGramTokenizer(minGram, maxGram)
                : new NGramTokenizer(minGram, maxGram) {
                    @Override
                    protected boolean isTokenChar(int chr) {
                        return tokenChars.test(chr);
                    }
                });
        });
        return tokenizers;
    }

    static List<PreConfiguredTokenizer> preConfiguredTokenizers() {
        return List.of(
            PreConfiguredTokenizer.singleton("keyword", KeywordTokenizer::new),
            PreConfiguredTokenizer.singleton("whitespace", WhitespaceTokenizer::new),
            PreConfiguredTokenizer.singleton("letter", LetterTokenizer::new),
            PreConfiguredTokenizer.singleton("uax_url_email", UAX29URLEmailTokenizer::new),
            PreConfiguredTokenizer.singleton("pattern", () -> new PatternTokenizer(Regex.compile("\\W+", null), -1)),
            PreConfiguredTokenizer.singleton(
                "edge_ngram",
                () -> new EdgeNGramTokenizer(NGramTokenizer.DEFAULT_MIN_NGRAM_SIZE, NGramTokenizer.DEFAULT_MAX_NGRAM_SIZE)
            ),
            PreConfiguredTokenizer.singleton("ngram", NGramTokenizer::new)
        );
    }

    private static TokenizerFactory tokenizer(String name, Supplier<Tokenizer> create) {
        return TokenizerFactory.newFactory(name, create);
    }

    /** {@code token_chars} (letter, digit, whitespace, punctuation, symbol, custom) or null for "every character". */
    static IntPredicate tokenChars(Settings settings) {
        List<String> classes = settings.getAsList("token_chars", List.of());
        if (classes.isEmpty()) {
            return null;
        }
        IntPredicate matcher = c -> false;
        for (String characterClass : classes) {
            IntPredicate next = switch (characterClass.toLowerCase(Locale.ROOT)) {
                case "letter" -> Character::isLetter;
                case "digit" -> Character::isDigit;
                case "whitespace" -> Character::isWhitespace;
                case "punctuation" -> c -> switch (Character.getType(c)) {
                    case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                        Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                        Character.OTHER_PUNCTUATION -> true;
                    default -> false;
                };
                case "symbol" -> c -> switch (Character.getType(c)) {
                    case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
                    default -> false;
                };
                case "custom" -> {
                    String custom = settings.get("custom_token_chars");
                    if (custom == null) {
                        throw new IllegalArgumentException("Token type: [custom] requires setting [custom_token_chars]");
                    }
                    yield c -> custom.codePoints().anyMatch(k -> k == c);
                }
                default -> throw new IllegalArgumentException(
                    "Unknown token type: '" + characterClass + "', must be one of [letter, digit, whitespace, punctuation, symbol, custom]"
                );
            };
            matcher = matcher.or(next);
        }
        return matcher;
    }

    private static void checkNgramDiff(IndexSettings indexSettings, int minGram, int maxGram) {
        int maxAllowed = indexSettings.getMaxNgramDiff();
        if (maxGram - minGram > maxAllowed) {
            throw new IllegalArgumentException(
                "The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: ["
                    + maxAllowed
                    + "] but was ["
                    + (maxGram - minGram)
                    + "]. This limit can be set by changing the ["
                    + IndexSettings.MAX_NGRAM_DIFF_SETTING.getKey()
                    + "] index level setting."
            );
        }
    }
}
