"""What a person reads instead of a code: names of regions, industries and size classes, in Chinese or
English (`names`), and the English names the reference data does not carry (`english`).

Times in the programme's zone are `qianfan.localtime`'s business.
"""
