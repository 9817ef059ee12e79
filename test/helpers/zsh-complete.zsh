#!/usr/bin/env zsh
# Prints what zsh's completion system offers for a command line, one "match -- description" a line.
#   zsh -f test/helpers/zsh-complete.zsh <fpath dir> '<command line up to the cursor>'
# It starts a real interactive zsh on a pseudo-terminal (zpty), runs compinit with <fpath dir> first in
# $fpath (so _aigw is autoloaded as users get it), types the line and a TAB, and records every match that
# the completion functions hand to compadd.
zmodload zsh/zpty || exit 2
fdir=$1 line=$2
zpty z zsh -f -i || exit 2
zpty -w z "PROMPT=''; fpath=(${(q)fdir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'bindkey "^I" complete-word; zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
zpty -w z 'null-line() { print -n -- $'"'"'\0END\0'"'"' }; compprefuncs=(); comppostfuncs=(null-line)'
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits __dscr; local __tmp
  if (( $@[(I)-d] )); then __tmp=${@[$[${@[(i)-d]}+1]]}; if [[ $__tmp == \(* ]]; then eval "__dscr=$__tmp"; else __dscr=( "${(@P)__tmp}" ); fi; fi
  builtin compadd -A __hits -D __dscr "$@"
  local i; for i in {1..$#__hits}; do print -r -- "MA""TCH:$__hits[$i] -- ${__dscr[$i]:-}"; done
}'
zpty -n -w z "$line"$'\t'
typeset out='' chunk
integer deadline=$(( SECONDS + 10 ))
while (( SECONDS < deadline )); do
  if zpty -r -t z chunk 2>/dev/null; then
    out+=$chunk
    [[ $out == *$'\0END\0'* ]] && break
  else
    sleep 0.02
  fi
done
zpty -d z
[[ $out == *$'\0END\0'* ]] || { print -u2 "zsh-complete: no answer within 10 s"; exit 3; }
for l in ${(f)out}; do
  if [[ $l == *MATCH:* ]]; then print -r -- "${${l#*MATCH:}%$'\r'}"; fi
done
exit 0
