import { installLines, type Shell } from './install.js';
import { acceptedOptions, allCommands, optionNames, type CommandSpec, type OptionSpec, type ValueSpec } from './spec.js';

/**
 * Generates the bash, zsh and fish completion scripts from the command tree. Commands, flags and fixed
 * values are written into the script; resource ids come at TAB time from `aigw __complete <resource>`,
 * which asks the running daemon with a short timeout and prints nothing when it cannot.
 *
 * All three scripts share one shape: a table from a command path to its subcommands, flags and what each
 * value position takes, and a walk over the words typed so far that finds the path, skipping flags and
 * their values.
 */
const HEADER = (shell: Shell, comment: string) =>
  [
    `${comment} ${shell} completion for aigw. Generated from the command tree by \`npm run generate\`; do not edit.`,
    `${comment} Install:`,
    ...installLines(shell).map((l) => `${comment}   ${l}`),
    `${comment} Resource ids come from the running daemon (\`aigw __complete <resource>\`); it is never started.`,
  ].join('\n');

/** Single-quoted for sh, zsh and fish alike (fish also treats backslash specially inside quotes). */
function q(text: string, fish = false): string {
  if (fish) return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const key = (command: CommandSpec) => command.path.join(' ');

/** What a value position takes, as the scripts encode it: `w:word word`, `r:resource`, `f`, or nothing. */
function valueCode(value: ValueSpec): string | undefined {
  switch (value.kind) {
    case 'words':
      return `w:${value.words.join(' ')}`;
    case 'resource':
      return `r:${value.resource}`;
    case 'file':
      return 'f';
    default:
      return undefined;
  }
}

interface ValueRule {
  /** Command path ('' for the root) or undefined for a global flag. */
  path: string | undefined;
  /** A flag name, `#N` for positional N, or `#*` for a variadic tail. */
  at: string;
  code: string;
}

function valueRules(root: CommandSpec): ValueRule[] {
  const rules: ValueRule[] = [];
  const globals: ValueRule[] = [];
  for (const command of allCommands(root)) {
    for (const option of command.options) {
      const code = valueCode(option.value);
      if (!code) continue;
      for (const name of optionNames(option)) {
        (option.global ? globals : rules).push({ path: option.global ? undefined : key(command), at: name, code });
      }
    }
    command.args.forEach((arg, i) => {
      const code = valueCode(arg.value);
      if (code) rules.push({ path: key(command), at: arg.variadic ? '#*' : `#${i}`, code });
    });
  }
  return [...rules, ...globals];
}

const valueFlags = (options: OptionSpec[]) => options.filter((o) => o.value.kind !== 'none').flatMap(optionNames);

/** bash and zsh share `case` syntax: a function from "parent path|word" to the child's path, set in `variable`. */
function childFunction(root: CommandSpec, variable: string): string {
  const arms = allCommands(root).flatMap((c) =>
    c.subcommands.map((s) => `    ${[s.name, ...s.aliases].map((n) => q(`${key(c)}|${n}`)).join('|')}) ${variable}=${q(key(s))} ;;`),
  );
  return ['__aigw_child() {', '  case "$1|$2" in', ...arms, '    *) return 1 ;;', '  esac', '}'].join('\n');
}

/** Arms from "path|flag" or "path|#N" to what the value there takes (see valueCode), set in `variable`. */
function valueArms(root: CommandSpec, variable: string): string[] {
  return valueRules(root).map((r) => {
    const pattern = r.path === undefined ? `*${q(`|${r.at}`)}` : r.at === '#*' ? `${q(`${r.path}|#`)}*` : q(`${r.path}|${r.at}`);
    return `    ${pattern}) ${variable}=${q(r.code)} ;;`;
  });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------- bash

export function bashScript(root: CommandSpec): string {
  const nodes = allCommands(root).map((c) => {
    const subs = c.subcommands.map((s) => s.name).join(' ');
    const aliases = c.subcommands.flatMap((s) => s.aliases).join(' ');
    const opts = acceptedOptions(root, c).flatMap(optionNames).join(' ');
    const valopts = valueFlags(acceptedOptions(root, c)).join(' ');
    return `    ${q(key(c))}) __aigw_subs=${q(subs)}; __aigw_aliases=${q(aliases)}; __aigw_opts=${q(opts)}; __aigw_valopts=${q(valopts)} ;;`;
  });
  const values = valueArms(root, '__aigw_kind');
  return `${HEADER('bash', '#')}

__aigw_node() {
  case "$1" in
${nodes.join('\n')}
    *) __aigw_subs=''; __aigw_aliases=''; __aigw_opts=''; __aigw_valopts='' ;;
  esac
}

${childFunction(root, '__aigw_path')}

__aigw_value() {
  case "$1|$2" in
${values.join('\n')}
    *) __aigw_kind='' ;;
  esac
}

__aigw_complete_value() {
  __aigw_value "$1" "$2"
  local line id
  case "$__aigw_kind" in
    w:*) COMPREPLY=($(compgen -W "\${__aigw_kind#w:}" -- "$cur")) ;;
    r:*)
      local aigw="\${COMP_WORDS[0]}" ids=()
      [[ $aigw == '~/'* ]] && aigw="$HOME/\${aigw#'~/'}"
      while IFS=$'\\t' read -r id _; do
        [[ -n $id && $id == "$cur"* ]] && ids+=("$id")
      done < <("$aigw" __complete "\${__aigw_kind#r:}" 2>/dev/null)
      COMPREPLY=("\${ids[@]}") ;;
    f) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}

_aigw() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path='' expect='' w i
  local -i npos=0
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == = ]] && continue
    if [[ -n $expect ]]; then expect=''; continue; fi
    case "$w" in
      -*=*) ;;
      -*) __aigw_node "$path"; [[ " $__aigw_valopts " == *" $w "* ]] && expect="$w" ;;
      *) if __aigw_child "$path" "$w"; then path="$__aigw_path"; npos=0; else npos+=1; fi ;;
    esac
  done
  [[ $cur == = ]] && cur=''
  __aigw_node "$path"
  if [[ -n $expect ]]; then __aigw_complete_value "$path" "$expect"; return 0; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$__aigw_opts" -- "$cur")); return 0; fi
  if [[ -n $__aigw_subs ]]; then
    COMPREPLY=($(compgen -W "$__aigw_subs" -- "$cur"))
    ((\${#COMPREPLY[@]})) || COMPREPLY=($(compgen -W "$__aigw_aliases" -- "$cur"))
    return 0
  fi
  __aigw_complete_value "$path" "#$npos"
  return 0
}

complete -F _aigw aigw
`;
}

// ---------------------------------------------------------------- zsh

function zshDescribe(name: string, description: string): string {
  return q(`${name.replace(/:/g, '\\:')}:${oneLine(description)}`);
}

export function zshScript(root: CommandSpec): string {
  const nodes = allCommands(root).map((c) => {
    const subs = c.subcommands.map((s) => zshDescribe(s.name, s.description)).join(' ');
    const aliases = c.subcommands.flatMap((s) => s.aliases.map((a) => zshDescribe(a, s.description))).join(' ');
    const opts = acceptedOptions(root, c)
      .flatMap((o) => optionNames(o).map((n) => zshDescribe(n, o.description)))
      .join(' ');
    const valopts = valueFlags(acceptedOptions(root, c)).map((n) => q(n)).join(' ');
    return [
      `    ${q(key(c))})`,
      `      __aigw_subs=(${subs})`,
      `      __aigw_aliases=(${aliases})`,
      `      __aigw_opts=(${opts})`,
      `      __aigw_valopts=(${valopts}) ;;`,
    ].join('\n');
  });
  const values = valueArms(root, 'REPLY');
  return `#compdef aigw
${HEADER('zsh', '#')}

__aigw_node() {
  case "$1" in
${nodes.join('\n')}
    *) __aigw_subs=(); __aigw_aliases=(); __aigw_opts=(); __aigw_valopts=() ;;
  esac
}

${childFunction(root, 'REPLY')}

__aigw_complete_value() {
  case "$1|$2" in
${values.join('\n')}
    *) REPLY='' ;;
  esac
  local line id
  local -a items
  case "$REPLY" in
    w:*) items=(\${(s: :)\${REPLY#w:}}); _describe -t values 'value' items ;;
    r:*)
      for line in \${(f)"$(\${~words[1]} __complete \${REPLY#r:} 2>/dev/null)"}; do
        id=\${line%%$'\\t'*}
        [[ -n $id ]] || continue
        if [[ $line == *$'\\t'* ]]; then items+=("\${id//:/\\\\:}:\${line#*$'\\t'}"); else items+=("\${id//:/\\\\:}"); fi
      done
      (( $#items )) && _describe -t ids 'id' items ;;
    f) _files ;;
  esac
  return 0
}

_aigw() {
  local cur="\${words[CURRENT]}" cmdpath='' expect='' w flag REPLY
  local -i i npos=0
  local -a __aigw_subs __aigw_aliases __aigw_opts __aigw_valopts
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    if [[ -n $expect ]]; then expect=''; continue; fi
    case "$w" in
      -*=*) ;;
      -*) __aigw_node "$cmdpath"; (( \${__aigw_valopts[(Ie)$w]} )) && expect="$w" ;;
      *) if __aigw_child "$cmdpath" "$w"; then cmdpath="$REPLY"; npos=0; else npos+=1; fi ;;
    esac
  done
  __aigw_node "$cmdpath"
  if [[ -n $expect ]]; then __aigw_complete_value "$cmdpath" "$expect"; return 0; fi
  if [[ $cur == --*=* ]]; then
    flag="\${cur%%=*}"
    compset -P '*='
    __aigw_complete_value "$cmdpath" "$flag"
    return 0
  fi
  if [[ $cur == -* ]]; then _describe -t options 'option' __aigw_opts; return 0; fi
  if (( $#__aigw_subs )); then
    _describe -t commands 'command' __aigw_subs || _describe -t commands 'command' __aigw_aliases
    return 0
  fi
  __aigw_complete_value "$cmdpath" "#$npos"
}

if [[ "\${funcstack[1]}" == _aigw ]]; then
  _aigw "$@"
else
  compdef _aigw aigw
fi
`;
}

// ---------------------------------------------------------------- fish

function fishValueArgs(value: ValueSpec): string {
  switch (value.kind) {
    case 'words':
      return ` -r -f -a ${q(value.words.join(' '), true)}`;
    case 'resource':
      return ` -r -f -a ${q(`(__aigw_ids ${value.resource})`, true)}`;
    case 'file':
      return ' -r -F';
    case 'free':
      return ' -r -f';
    default:
      return '';
  }
}

function fishOption(option: OptionSpec, condition: string | undefined): string {
  const names = [
    option.short ? ` -s ${option.short.slice(1)}` : '',
    option.long ? ` -l ${option.long.slice(2)}` : '',
  ].join('');
  const when = condition === undefined ? '' : ` -n ${q(condition, true)}`;
  return `complete -c aigw${when}${names}${fishValueArgs(option.value)} -d ${q(oneLine(option.description), true)}`;
}

export function fishScript(root: CommandSpec): string {
  const lines: string[] = [];
  const children = allCommands(root).flatMap((c) =>
    c.subcommands.map((s) => `    case ${[s.name, ...s.aliases].map((n) => q(`${key(c)}|${n}`, true)).join(' ')}\n      echo ${q(key(s), true)}`),
  );
  const valopts = allCommands(root).map((c) => `    case ${q(key(c), true)}\n      printf '%s\\n' ${valueFlags(acceptedOptions(root, c)).map((n) => q(n, true)).join(' ')}`);
  for (const command of allCommands(root)) {
    const at = `__aigw_at ${q(key(command), true)}`;
    for (const sub of command.subcommands) {
      lines.push(`complete -c aigw -n ${q(at, true)} -a ${q(sub.name, true)} -d ${q(oneLine(sub.description), true)}`);
    }
    for (const option of command.options) {
      if (option.global) {
        lines.push(fishOption(option, option.long === '--version' ? at : undefined));
      } else if (command === root || option.long !== '--help') {
        lines.push(fishOption(option, command === root ? undefined : at));
      }
    }
    command.args.forEach((arg, i) => {
      const code = valueCode(arg.value);
      if (!code) return;
      const position = arg.variadic ? `__aigw_pos_from ${i}` : `__aigw_pos ${i}`;
      const values = arg.value.kind === 'file' ? ' -F' : fishValueArgs(arg.value).replace(' -r', '');
      lines.push(`complete -c aigw -n ${q(`${at}; and ${position}`, true)}${values} -d ${q(oneLine(arg.description), true)}`);
    });
  }
  return `${HEADER('fish', '#')}

function __aigw_child
    switch "$argv[1]|$argv[2]"
${children.join('\n')}
    case '*'
      return 1
    end
end

function __aigw_valopts
    switch "$argv[1]"
${valopts.join('\n')}
    end
end

# Prints the command path typed so far and how many positional words follow it.
function __aigw_walk
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l npos 0
    set -l expect ''
    for w in $words
        if test -n "$expect"
            set expect ''
            continue
        end
        switch $w
            case '-*=*'
            case '-*'
                contains -- $w (__aigw_valopts $path); and set expect $w
            case '*'
                if set -l child (__aigw_child $path $w)
                    set path $child
                    set npos 0
                else
                    set npos (math $npos + 1)
                end
        end
    end
    printf '%s\\n' $path $npos
end

function __aigw_at
    set -l walk (__aigw_walk)
    test "$walk[1]" = "$argv[1]"
end

function __aigw_pos
    set -l walk (__aigw_walk)
    test "$walk[2]" = "$argv[1]"
end

function __aigw_pos_from
    set -l walk (__aigw_walk)
    test "$walk[2]" -ge "$argv[1]"
end

function __aigw_ids
    set -l aigw (commandline -opc)[1]
    command -q $aigw; or return 0
    command $aigw __complete $argv[1] 2>/dev/null
end

complete -c aigw -f
${lines.join('\n')}
`;
}

export function completionScript(shell: Shell, root: CommandSpec): string {
  return shell === 'bash' ? bashScript(root) : shell === 'zsh' ? zshScript(root) : fishScript(root);
}
