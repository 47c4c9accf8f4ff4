# Sourced by the launchers in bin/. In an installed distribution (tarball, Debian package) runs the jars in lib/;
# in a source checkout builds a component's jar on first use. Then execs the JVM.
#
# Environment:
#   JAVA_HOME           the JDK to use (default: java on PATH)
#   JAVA_OPTS           extra JVM flags, appended after the component's memory flags
#   <COMPONENT>_HEAP    replaces a component's default memory flags, e.g. QUEUE_HEAP="-Xmx2g"
#   LOGPIPE_REBUILD=1   rebuild the jar even if it exists (after pulling new sources)

LOGPIPE_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LOGPIPE_HOME

java_cmd() {
    if [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else echo java; fi
}

# ensure_built MODULE: builds MODULE/target/MODULE.jar (and target/lib) when missing; nothing to do in a distribution.
ensure_built() {
    local module=$1
    [ -f "$LOGPIPE_HOME/lib/$module.classpath" ] && return 0
    local jar="$LOGPIPE_HOME/$module/target/$module.jar"
    if [ ! -f "$jar" ] || [ "${LOGPIPE_REBUILD:-0}" = 1 ]; then
        if ! command -v mvn >/dev/null 2>&1; then
            echo "$module: $jar is missing and Maven (mvn) is not installed to build it" >&2
            exit 1
        fi
        echo "building $module (first run: mvn package, may take a minute) ..." >&2
        if ! mvn -q -B -f "$LOGPIPE_HOME/pom.xml" -pl "$module" -am -DskipTests package >&2; then
            echo "$module: build failed; run 'mvn -pl $module -am package' in $LOGPIPE_HOME to see why" >&2
            exit 1
        fi
    fi
}

# ensure_all_built MODULE...: builds, in one Maven run, every MODULE whose jar is missing (none in a distribution).
ensure_all_built() {
    local missing=() module
    for module in "$@"; do
        [ -f "$LOGPIPE_HOME/lib/$module.classpath" ] && continue
        if [ ! -f "$LOGPIPE_HOME/$module/target/$module.jar" ] || [ "${LOGPIPE_REBUILD:-0}" = 1 ]; then
            missing+=("$module")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v mvn >/dev/null 2>&1; then
        echo "${missing[*]}: not built yet and Maven (mvn) is not installed to build them" >&2
        exit 1
    fi
    local list
    list=$(IFS=,; echo "${missing[*]}")
    echo "building $list (first run: mvn package, may take a few minutes) ..." >&2
    if ! mvn -q -B -f "$LOGPIPE_HOME/pom.xml" -pl "$list" -am -DskipTests package >&2; then
        echo "build failed; run 'mvn -pl $list -am package' in $LOGPIPE_HOME to see why" >&2
        exit 1
    fi
}

# run_component MODULE MAIN_CLASS DEFAULT_HEAP_FLAGS HEAP_ENV_NAME ARGS...: execs the component's JVM.
run_component() {
    local module=$1 main=$2 heap=$3 heap_env=$4
    shift 4
    local classpath
    classpath=$(module_classpath "$module") || exit 1
    local override="${!heap_env:-}"
    [ -n "$override" ] && heap=$override
    # shellcheck disable=SC2086 # the flag lists are meant to split into words
    exec "$(java_cmd)" $heap ${JAVA_OPTS:-} -cp "$classpath" "$main" "$@"
}

# module_classpath MODULE: prints MODULE's classpath. A distribution has lib/MODULE.jar and lib/MODULE.classpath
# (its dependencies, as lib/a.jar:lib/b.jar, written by the build); a source checkout has MODULE/target/MODULE.jar,
# whose manifest names its dependencies in target/lib, built first when missing.
module_classpath() {
    local module=$1 entry classpath entries
    if [ -f "$LOGPIPE_HOME/lib/$module.classpath" ]; then
        classpath="$LOGPIPE_HOME/lib/$module.jar"
        IFS=: read -r -a entries <"$LOGPIPE_HOME/lib/$module.classpath" || true  # no newline at its end
        for entry in "${entries[@]}"; do classpath+=":$LOGPIPE_HOME/$entry"; done
        echo "$classpath"
    else
        ensure_built "$module"
        echo "$LOGPIPE_HOME/$module/target/$module.jar"
    fi
}
