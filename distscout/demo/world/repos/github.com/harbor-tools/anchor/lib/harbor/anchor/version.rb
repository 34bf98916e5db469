# frozen_string_literal: true

module Harbor
  module Anchor
    VERSION = "1.8.0"
  end
end
