# bash completion for aigw. Generated from the command tree by `npm run generate`; do not edit.
# Install:
#   mkdir -p ~/.local/share/bash-completion/completions
#   aigw completion bash > ~/.local/share/bash-completion/completions/aigw
#   # or, without the bash-completion package, in ~/.bashrc instead:
#   source <(aigw completion bash)
# Resource ids come from the running daemon (`aigw __complete <resource>`); it is never started.

__aigw_node() {
  case "$1" in
    '') __aigw_subs='provider-keys providers daemon doctor completion help'; __aigw_aliases='ai-gateway-provider-keys'; __aigw_opts='-v --version -o --output --json -q --quiet --no-color -h --help'; __aigw_valopts='-o --output' ;;
    'provider-keys') __aigw_subs='create list get update rotate delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'provider-keys create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--provider-id --name --description --metadata --value-stdin --value-file --value -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--provider-id --name --description --metadata --value-file --value -o --output' ;;
    'provider-keys list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--provider-id --limit --before-id --all -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--provider-id --limit --before-id -o --output' ;;
    'provider-keys get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'provider-keys update') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--name --description --metadata -o --output' ;;
    'provider-keys rotate') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--value-stdin --value-file --value --name -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--value-file --value --name -o --output' ;;
    'provider-keys delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'providers') __aigw_subs='list'; __aigw_aliases='ls'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'providers list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'daemon') __aigw_subs='start run stop status logs'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'daemon start') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--gateway-listen -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--gateway-listen -o --output' ;;
    'daemon run') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--gateway-listen -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='--gateway-listen -o --output' ;;
    'daemon stop') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'daemon status') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'daemon logs') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-n --lines -f --follow -h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-n --lines -o --output' ;;
    'doctor') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'completion') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    'help') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color'; __aigw_valopts='-o --output' ;;
    *) __aigw_subs=''; __aigw_aliases=''; __aigw_opts=''; __aigw_valopts='' ;;
  esac
}

__aigw_child() {
  case "$1|$2" in
    '|provider-keys'|'|ai-gateway-provider-keys') __aigw_path='provider-keys' ;;
    '|providers') __aigw_path='providers' ;;
    '|daemon') __aigw_path='daemon' ;;
    '|doctor') __aigw_path='doctor' ;;
    '|completion') __aigw_path='completion' ;;
    '|help') __aigw_path='help' ;;
    'provider-keys|create') __aigw_path='provider-keys create' ;;
    'provider-keys|list'|'provider-keys|ls') __aigw_path='provider-keys list' ;;
    'provider-keys|get') __aigw_path='provider-keys get' ;;
    'provider-keys|update') __aigw_path='provider-keys update' ;;
    'provider-keys|rotate') __aigw_path='provider-keys rotate' ;;
    'provider-keys|delete'|'provider-keys|rm') __aigw_path='provider-keys delete' ;;
    'providers|list'|'providers|ls') __aigw_path='providers list' ;;
    'daemon|start') __aigw_path='daemon start' ;;
    'daemon|run') __aigw_path='daemon run' ;;
    'daemon|stop') __aigw_path='daemon stop' ;;
    'daemon|status') __aigw_path='daemon status' ;;
    'daemon|logs') __aigw_path='daemon logs' ;;
    *) return 1 ;;
  esac
}

__aigw_value() {
  case "$1|$2" in
    'provider-keys create|--provider-id') __aigw_kind='r:providers' ;;
    'provider-keys create|--value-file') __aigw_kind='f' ;;
    'provider-keys list|--provider-id') __aigw_kind='r:providers' ;;
    'provider-keys list|--before-id') __aigw_kind='r:provider-keys' ;;
    'provider-keys get|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys update|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys rotate|--value-file') __aigw_kind='f' ;;
    'provider-keys rotate|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys delete|#0') __aigw_kind='r:provider-keys' ;;
    'completion|#0') __aigw_kind='w:bash zsh fish' ;;
    'help|#'*) __aigw_kind='w:exit-codes environment provider-keys providers daemon doctor completion' ;;
    *'|-o') __aigw_kind='w:table json plain' ;;
    *'|--output') __aigw_kind='w:table json plain' ;;
    *) __aigw_kind='' ;;
  esac
}

__aigw_complete_value() {
  __aigw_value "$1" "$2"
  local line id
  case "$__aigw_kind" in
    w:*) COMPREPLY=($(compgen -W "${__aigw_kind#w:}" -- "$cur")) ;;
    r:*)
      local aigw="${COMP_WORDS[0]}" ids=()
      [[ $aigw == '~/'* ]] && aigw="$HOME/${aigw#'~/'}"
      while IFS=$'\t' read -r id _; do
        [[ -n $id && $id == "$cur"* ]] && ids+=("$id")
      done < <("$aigw" __complete "${__aigw_kind#r:}" 2>/dev/null)
      COMPREPLY=("${ids[@]}") ;;
    f) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}

_aigw() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path='' expect='' w i
  local -i npos=0
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
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
    ((${#COMPREPLY[@]})) || COMPREPLY=($(compgen -W "$__aigw_aliases" -- "$cur"))
    return 0
  fi
  __aigw_complete_value "$path" "#$npos"
  return 0
}

complete -F _aigw aigw
